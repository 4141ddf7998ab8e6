package io.pgrudder.core.config;

/** The spellings pgcat accepts for its string-valued keys (its serde aliases), plus pgrudder's. */
final class Choices {
    static final Choice<PoolMode> POOL_MODE = Choice.<PoolMode>builder()
            .value("session", PoolMode.SESSION, "Session")
            .value("transaction", PoolMode.TRANSACTION, "Transaction")
            .build();

    static final Choice<AuthType> AUTH_TYPE = Choice.<AuthType>builder()
            .value("md5", AuthType.MD5, "MD5")
            .value("trust", AuthType.TRUST, "Trust")
            .value("scram-sha-256", AuthType.SCRAM_SHA_256, "SCRAM-SHA-256")
            .build();

    static final Choice<LoadBalancingMode> LOAD_BALANCING_MODE = Choice.<LoadBalancingMode>builder()
            .value("random", LoadBalancingMode.RANDOM, "Random")
            .value("loc", LoadBalancingMode.LEAST_OUTSTANDING_CONNECTIONS, "LOC")
            .value("least_outstanding_connections", LoadBalancingMode.LEAST_OUTSTANDING_CONNECTIONS,
                    "LeastOutstandingConnections")
            .build();

    /** pgcat compares default_role as a plain string: no aliases. */
    static final Choice<DefaultRole> DEFAULT_ROLE = Choice.<DefaultRole>builder()
            .value("any", DefaultRole.ANY)
            .value("primary", DefaultRole.PRIMARY)
            .value("replica", DefaultRole.REPLICA)
            .build();

    static final Choice<Role> ROLE = Choice.<Role>builder()
            .value("primary", Role.PRIMARY, "Primary")
            .value("replica", Role.REPLICA, "Replica")
            .value("mirror", Role.MIRROR, "Mirror")
            .build();

    static final Choice<String> SHARDING_FUNCTION = Choice.<String>builder()
            .value("pg_bigint_hash", "pg_bigint_hash", "PgBigintHash")
            .value("sha1", "sha1", "Sha1")
            .build();

    static final Choice<String> PATRONI_API_PROTOCOL = Choice.<String>builder()
            .value("http", "http")
            .value("https", "https")
            .build();

    /** PgBouncer's server_tls_sslmode values, without "allow" (plaintext first, TLS only if refused). */
    static final Choice<ServerTlsMode> SERVER_TLS_SSLMODE = Choice.<ServerTlsMode>builder()
            .value("disable", ServerTlsMode.DISABLE)
            .value("prefer", ServerTlsMode.PREFER)
            .value("require", ServerTlsMode.REQUIRE)
            .value("verify-ca", ServerTlsMode.VERIFY_CA)
            .value("verify-full", ServerTlsMode.VERIFY_FULL)
            .build();

    private Choices() {
    }
}
