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
 * @param maxReplicaLag replicas lagging more bytes than this are not used; null = no limit
 */
public record PatroniSettings(
        boolean usePatroniApi,
        int apiPort,
        String apiProtocol,
        Path apiCa,
        Duration pollInterval,
        Duration apiTimeout,
        Duration leaderWaitTimeout,
        Long maxReplicaLag) {

    public static final PatroniSettings DEFAULTS = new PatroniSettings(
            false, 8008, "http", null,
            Duration.ofMillis(1000), Duration.ofMillis(500), Duration.ofMillis(30000), null);

    public PatroniSettings {
        Objects.requireNonNull(apiProtocol, "apiProtocol");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(apiTimeout, "apiTimeout");
        Objects.requireNonNull(leaderWaitTimeout, "leaderWaitTimeout");
    }
}
