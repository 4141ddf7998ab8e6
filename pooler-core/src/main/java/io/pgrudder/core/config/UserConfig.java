package io.pgrudder.core.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * {@code [pools.NAME.users.N]}. {@code serverUsername} and {@code serverPassword} are resolved
 * (they default to {@code username} and {@code password}). Nullable: {@code password} (when
 * the pool uses auth_query), {@code serverPassword}, {@code poolMode}, {@code serverLifetime},
 * {@code connectTimeout}, {@code idleTimeout} (null = inherit from the pool, then general; see
 * {@link PoolConfig#poolModeFor} and friends). {@code statementTimeout} zero = disabled.
 */
public record UserConfig(
        String username,
        String password,
        AuthType authType,
        String serverUsername,
        String serverPassword,
        int poolSize,
        int minPoolSize,
        PoolMode poolMode,
        Duration serverLifetime,
        Duration statementTimeout,
        Duration connectTimeout,
        Duration idleTimeout) {

    private static final Set<String> SECRETS = Set.of("password", "serverPassword");

    public UserConfig {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(authType, "authType");
        Objects.requireNonNull(serverUsername, "serverUsername");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
    }

    @Override
    public String toString() {
        return Secrets.maskedToString(this, SECRETS);
    }
}
