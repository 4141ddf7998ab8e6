package io.pgrudder.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * pgrudder's Patroni keys ({@code use_patroni_api}, {@code patroni_api_port}, ...). Set in
 * {@code [general]}; every key can be overridden per pool. A pool's settings are already
 * resolved (pool key, else general key, else default).
 *
 * @param apiProtocol "http" or "https"
 * @param apiCa CA bundle for https, or null for the JVM's trust store
 * @param pollInterval time between REST poll rounds while no DCS watch is live
 * @param maxReplicaLag replicas lagging more bytes than this are not used; null = no limit
 * @param etcd where to watch Patroni's etcd keys ({@link PatroniEtcdSettings#NONE}: no watch)
 * @param watchPollInterval while the DCS watch is live (and no REST round runs), how often a quiet watch is checked by
 *                          one range read in etcd ({@code patroni_watch_poll_interval}, 10 s)
 * @param apiCredentials for the REST API's unsafe endpoints (SWITCHOVER's POST); NONE = none
 */
public record PatroniSettings(
        boolean usePatroniApi,
        int apiPort,
        String apiProtocol,
        Path apiCa,
        Duration pollInterval,
        Duration apiTimeout,
        Duration leaderWaitTimeout,
        Long maxReplicaLag,
        PatroniEtcdSettings etcd,
        Duration watchPollInterval,
        PatroniApiCredentials apiCredentials) {

    public static final Duration DEFAULT_WATCH_POLL_INTERVAL = Duration.ofMillis(10_000);

    public static final PatroniSettings DEFAULTS = new PatroniSettings(
            false, 8008, "http", null,
            Duration.ofMillis(1000), Duration.ofMillis(500), Duration.ofMillis(30000), null);

    public PatroniSettings {
        Objects.requireNonNull(apiProtocol, "apiProtocol");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(apiTimeout, "apiTimeout");
        Objects.requireNonNull(leaderWaitTimeout, "leaderWaitTimeout");
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(watchPollInterval, "watchPollInterval");
        Objects.requireNonNull(apiCredentials, "apiCredentials");
    }

    /** Settings without REST API credentials. */
    public PatroniSettings(boolean usePatroniApi, int apiPort, String apiProtocol, Path apiCa, Duration pollInterval,
            Duration apiTimeout, Duration leaderWaitTimeout, Long maxReplicaLag, PatroniEtcdSettings etcd,
            Duration watchPollInterval) {
        this(usePatroniApi, apiPort, apiProtocol, apiCa, pollInterval, apiTimeout, leaderWaitTimeout, maxReplicaLag,
                etcd, watchPollInterval, PatroniApiCredentials.NONE);
    }

    /** Settings without a DCS watch. */
    public PatroniSettings(boolean usePatroniApi, int apiPort, String apiProtocol, Path apiCa, Duration pollInterval,
            Duration apiTimeout, Duration leaderWaitTimeout, Long maxReplicaLag) {
        this(usePatroniApi, apiPort, apiProtocol, apiCa, pollInterval, apiTimeout, leaderWaitTimeout, maxReplicaLag,
                PatroniEtcdSettings.NONE, DEFAULT_WATCH_POLL_INTERVAL);
    }
}
