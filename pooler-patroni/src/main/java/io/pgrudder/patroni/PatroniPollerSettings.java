package io.pgrudder.patroni;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.pgrudder.core.config.PatroniApiCredentials;
import io.pgrudder.core.config.PatroniEtcdSettings;
import io.pgrudder.core.config.PatroniSettings;

/**
 * How to reach and poll Patroni's REST API, and where to watch its etcd keys.
 *
 * @param apiPort           REST API port on every member's host (8008)
 * @param apiProtocol       "http" or "https"
 * @param apiCa             CA bundle (PEM) that signed the API's certificate; empty = JVM trust store
 * @param pollInterval      time between the starts of two REST poll rounds while no etcd watch is live (1 s);
 *                          also the longest wait between two checks of a new leader's own /patroni
 * @param requestTimeout    hard deadline of one GET, connect included (500 ms)
 * @param etcd              Patroni's etcd; {@link PatroniEtcdSettings#NONE}: REST polling only
 * @param watchPollInterval while the watch is live (no REST rounds then), how often a quiet watch is checked by
 *                          one range read in etcd (10 s)
 * @param apiCredentials    for POST /switchover (SWITCHOVER on the admin console); NONE = none
 */
public record PatroniPollerSettings(
        int apiPort, String apiProtocol, Optional<Path> apiCa, Duration pollInterval, Duration requestTimeout,
        PatroniEtcdSettings etcd, Duration watchPollInterval, PatroniApiCredentials apiCredentials) {

    public static final PatroniPollerSettings DEFAULTS = new PatroniPollerSettings(
            8008, "http", Optional.empty(), Duration.ofMillis(1000), Duration.ofMillis(500),
            PatroniEtcdSettings.NONE, PatroniSettings.DEFAULT_WATCH_POLL_INTERVAL, PatroniApiCredentials.NONE);

    public PatroniPollerSettings {
        if (apiPort < 1 || apiPort > 65535) {
            throw new IllegalArgumentException("bad Patroni API port " + apiPort);
        }
        if (!"http".equals(apiProtocol) && !"https".equals(apiProtocol)) {
            throw new IllegalArgumentException("Patroni API protocol must be http or https, not " + apiProtocol);
        }
        Objects.requireNonNull(apiCa, "apiCa");
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(apiCredentials, "apiCredentials");
        if (etcd.watching() && etcd.scope() == null) {
            throw new IllegalArgumentException("an etcd watch needs Patroni's scope");
        }
        for (Duration d : new Duration[] {pollInterval, requestTimeout, watchPollInterval}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("poll intervals and the request timeout must be positive");
            }
        }
    }

    /** The poller settings of a pool's resolved Patroni keys. */
    public static PatroniPollerSettings of(PatroniSettings settings) {
        return new PatroniPollerSettings(settings.apiPort(), settings.apiProtocol(),
                Optional.ofNullable(settings.apiCa()), settings.pollInterval(), settings.apiTimeout(),
                settings.etcd(), settings.watchPollInterval(), settings.apiCredentials());
    }

    public PatroniPollerSettings withPollInterval(Duration interval) {
        return new PatroniPollerSettings(apiPort, apiProtocol, apiCa, interval, requestTimeout, etcd, watchPollInterval,
                apiCredentials);
    }

    public PatroniPollerSettings withRequestTimeout(Duration timeout) {
        return new PatroniPollerSettings(apiPort, apiProtocol, apiCa, pollInterval, timeout, etcd, watchPollInterval,
                apiCredentials);
    }

    /** Watches Patroni's keys in etcd, checking a quiet watch every {@code watchInterval} while it is live. */
    public PatroniPollerSettings withEtcd(PatroniEtcdSettings settings, Duration watchInterval) {
        return new PatroniPollerSettings(apiPort, apiProtocol, apiCa, pollInterval, requestTimeout, settings,
                watchInterval, apiCredentials);
    }

    public PatroniPollerSettings withApiCredentials(PatroniApiCredentials credentials) {
        return new PatroniPollerSettings(apiPort, apiProtocol, apiCa, pollInterval, requestTimeout, etcd,
                watchPollInterval, credentials);
    }
}
