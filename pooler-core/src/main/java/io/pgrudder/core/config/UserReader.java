package io.pgrudder.core.config;

import java.time.Duration;

/** Reads one {@code [pools.NAME.users.N]} table. */
final class UserReader {
    private UserReader() {
    }

    /** The user, or null when a required key is missing (the error is recorded). */
    static UserConfig read(TomlSection u) {
        String username = u.requiredString("username", false);
        String password = u.secret("password");
        AuthType authType = u.choice("auth_type", Choices.AUTH_TYPE, AuthType.MD5);
        String serverUsername = u.string("server_username");
        String serverPassword = u.secret("server_password");
        Long poolSize = u.requiredInteger("pool_size", 1, Integer.MAX_VALUE);
        Long minPoolSize = u.integer("min_pool_size", 0, Integer.MAX_VALUE);
        if (poolSize != null && minPoolSize != null && minPoolSize > poolSize) {
            u.problems().error(u.path("min_pool_size"),
                    "min_pool_size of " + minPoolSize + " cannot be larger than pool_size of " + poolSize);
        }
        PoolMode poolMode = u.choice("pool_mode", Choices.POOL_MODE);
        Duration serverLifetime = u.millis("server_lifetime");
        Duration statementTimeout = u.millis("statement_timeout", Duration.ZERO);
        Duration connectTimeout = u.millis("connect_timeout");
        Duration idleTimeout = u.millis("idle_timeout");
        u.reportUnknownKeys();
        if (username == null || poolSize == null) {
            return null;
        }
        return new UserConfig(username, password, authType,
                serverUsername != null ? serverUsername : username,
                serverPassword != null ? serverPassword : password,
                poolSize.intValue(), minPoolSize != null ? minPoolSize.intValue() : 0,
                poolMode, serverLifetime, statementTimeout, connectTimeout, idleTimeout);
    }
}
