package io.pgrudder.patroni;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.pgrudder.core.config.PatroniSettings;

/**
 * How to reach and poll Patroni's REST API.
 *
 * @param apiPort        REST API port on every member's host (8008)
 * @param apiProtocol    "http" or "https"
 * @param apiCa          CA bundle (PEM) that signed the API's certificate; empty = JVM trust store
 * @param pollInterval   time between the starts of two poll rounds (1 s)
 * @param requestTimeout hard deadline of one GET, connect included (500 ms)
 */
public record PatroniPollerSettings(
        int apiPort, String apiProtocol, Optional<Path> apiCa, Duration pollInterval, Duration requestTimeout) {

    public static final PatroniPollerSettings DEFAULTS = new PatroniPollerSettings(
            8008, "http", Optional.empty(), Duration.ofMillis(1000), Duration.ofMillis(500));

    public PatroniPollerSettings {
        if (apiPort < 1 || apiPort > 65535) {
            throw new IllegalArgumentException("bad Patroni API port " + apiPort);
        }
        if (!"http".equals(apiProtocol) && !"https".equals(apiProtocol)) {
            throw new IllegalArgumentException("Patroni API protocol must be http or https, not " + apiProtocol);
        }
        Objects.requireNonNull(apiCa, "apiCa");
        if (pollInterval.isNegative() || pollInterval.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("poll interval and request timeout must be positive");
        }
    }

    /** The poller settings of a pool's resolved Patroni keys. */
    public static PatroniPollerSettings of(PatroniSettings settings) {
        return new PatroniPollerSettings(settings.apiPort(), settings.apiProtocol(),
                Optional.ofNullable(settings.apiCa()), settings.pollInterval(), settings.apiTimeout());
    }

    public PatroniPollerSettings withPollInterval(Duration interval) {
        return new PatroniPollerSettings(apiPort, apiProtocol, apiCa, interval, requestTimeout);
    }

    public PatroniPollerSettings withRequestTimeout(Duration timeout) {
        return new PatroniPollerSettings(apiPort, apiProtocol, apiCa, pollInterval, timeout);
    }
}
