package io.pgrudder.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.pgrudder.core.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Effective settings: user overrides pool overrides general; Patroni keys resolve per key. */
class ResolutionTest {
    private static final String TOML = """
            [general]
            admin_username = "admin"
            admin_password = "admin"
            connect_timeout = 2000
            idle_timeout = 20000
            server_lifetime = 200000
            use_patroni_api = true
            patroni_api_port = 8008
            patroni_api_timeout = 700
            max_replica_lag = 1048576

            [pools.app]
            pool_mode = "session"
            connect_timeout = 3000
            idle_timeout = 30000
            prepared_statements_cache_size = 100
            patroni_api_port = 18008
            patroni_api_protocol = "https"
            patroni_api_ca = "/etc/pgrudder/patroni-ca.pem"

            [pools.app.users.0]
            username = "inherits"
            password = "x"
            pool_size = 2

            [pools.app.users.1]
            username = "overrides"
            password = "x"
            pool_size = 2
            pool_mode = "transaction"
            connect_timeout = 4000
            idle_timeout = 40000
            server_lifetime = 400000

            [pools.app.shards.0]
            database = "app"
            servers = [["pg-0", 5432, "primary"], ["pg-1", 5432, "replica"], ["pg-2", 5432, "replica"]]

            [pools.plain]
            use_patroni_api = false

            [pools.plain.users.0]
            username = "u"
            password = "x"
            pool_size = 1

            [pools.plain.shards.0]
            database = "plain"
            servers = [["pg-0", 5432, "primary"]]
            """;

    @Test
    void userThenPoolThenGeneral() throws ConfigException {
        PoolerConfig config = parse(TOML);
        GeneralConfig g = config.general();
        PoolConfig app = config.pool("app").orElseThrow();
        UserConfig inherits = app.user("inherits").orElseThrow();
        UserConfig overrides = app.user("overrides").orElseThrow();

        assertEquals(PoolMode.SESSION, app.poolModeFor(inherits));
        assertEquals(PoolMode.TRANSACTION, app.poolModeFor(overrides));
        assertFalse(app.preparedStatementsEnabledFor(inherits));
        assertTrue(app.preparedStatementsEnabledFor(overrides));

        assertEquals(Duration.ofMillis(3000), app.connectTimeoutFor(inherits, g));
        assertEquals(Duration.ofMillis(4000), app.connectTimeoutFor(overrides, g));
        assertEquals(Duration.ofMillis(30000), app.idleTimeoutFor(inherits, g));
        assertEquals(Duration.ofMillis(40000), app.idleTimeoutFor(overrides, g));
        assertEquals(Duration.ofMillis(200000), app.serverLifetimeFor(inherits, g)); // pool does not set it
        assertEquals(Duration.ofMillis(400000), app.serverLifetimeFor(overrides, g));

        PoolConfig plain = config.pool("plain").orElseThrow();
        UserConfig u = plain.user("u").orElseThrow();
        assertEquals(Duration.ofMillis(2000), plain.connectTimeoutFor(u, g));
        assertEquals(PoolMode.TRANSACTION, plain.poolModeFor(u));
        assertTrue(plain.user("nobody").isEmpty());
    }

    @Test
    void patroniKeysResolvePerKey() throws ConfigException {
        PoolerConfig config = parse(TOML);
        PatroniSettings general = config.general().patroni();
        assertEquals(new PatroniSettings(true, 8008, "http", null, Duration.ofMillis(1000), Duration.ofMillis(700),
                Duration.ofMillis(30000), 1048576L), general);

        PatroniSettings app = config.pool("app").orElseThrow().patroni();
        assertTrue(app.usePatroniApi());
        assertEquals(18008, app.apiPort());
        assertEquals("https", app.apiProtocol());
        assertEquals(Path.of("/etc/pgrudder/patroni-ca.pem"), app.apiCa());
        assertEquals(Duration.ofMillis(700), app.apiTimeout());
        assertEquals(1048576L, app.maxReplicaLag());

        PatroniSettings plain = config.pool("plain").orElseThrow().patroni();
        assertFalse(plain.usePatroniApi());
        assertEquals(general.apiTimeout(), plain.apiTimeout());
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void caWithoutHttpsIsAWarning() throws ConfigException {
        PoolerConfig config = parse(TestConfigs.general("patroni_api_ca = \"/ca.pem\""));
        assertEquals(List.of("general.patroni_api_ca: only used with patroni_api_protocol = \"https\""),
                TestConfigs.warnings(config));
    }

    @Test
    void pgcatAliasesAndScram() throws ConfigException {
        PoolerConfig config = parse(TestConfigs.config("admin_auth_type = \"scram-sha-256\"",
                "pool_mode = \"Session\"\nload_balancing_mode = \"LOC\"\nsharding_function = \"Sha1\"\n"
                        + "default_shard = \"random_healthy\"\nautomatic_sharding_key = '\"data\".\"id\"'",
                "auth_type = \"Trust\"", ""));
        assertEquals(AuthType.SCRAM_SHA_256, config.general().adminAuthType());
        PoolConfig pool = config.pool("db").orElseThrow();
        assertEquals(PoolMode.SESSION, pool.poolMode());
        assertEquals(LoadBalancingMode.LEAST_OUTSTANDING_CONNECTIONS, pool.loadBalancingMode());
        assertEquals("sha1", pool.shardingFunction());
        assertEquals("random_healthy", pool.defaultShard());
        assertEquals("data.id", pool.automaticShardingKey());
        assertEquals(AuthType.TRUST, pool.users().get("0").authType());
        assertNull(config.general().autoreload().orElse(null));
    }

    @Test
    void usersKeepPgcatsStringOrder() throws ConfigException {
        StringBuilder toml = new StringBuilder(TestConfigs.config("", "", "", ""));
        for (int i : new int[] {2, 10, 1}) {
            toml.append("[pools.db.users.").append(i).append("]\nusername = \"u").append(i)
                    .append("\"\npassword = \"x\"\npool_size = 1\n");
        }
        assertEquals(List.of("0", "1", "10", "2"),
                List.copyOf(parse(toml.toString()).pool("db").orElseThrow().users().keySet()));
    }
}
