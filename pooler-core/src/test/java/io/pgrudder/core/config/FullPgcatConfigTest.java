package io.pgrudder.core.config;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.pgrudder.core.config.TestConfigs.resource;
import static io.pgrudder.core.config.TestConfigs.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A realistic pgcat.toml, modelled on pgcat's own example, loads with the values it sets. */
class FullPgcatConfigTest {
    private static PoolerConfig config;

    @BeforeAll
    static void load() throws ConfigException {
        config = ConfigLoader.load(resource("pgcat-full.toml"), Map.of());
    }

    @Test
    void general() {
        GeneralConfig g = config.general();
        assertEquals(resource("pgcat-full.toml"), config.path());
        assertEquals("0.0.0.0", g.host());
        assertEquals(6432, g.port());
        assertTrue(g.enablePrometheusExporter());
        assertEquals(9930, g.prometheusExporterPort());
        assertEquals(Duration.ofSeconds(5), g.connectTimeout());
        assertEquals(Duration.ofSeconds(30), g.idleTimeout());
        assertEquals(Duration.ofHours(24), g.serverLifetime());
        assertEquals(Duration.ZERO, g.idleClientInTransactionTimeout());
        assertEquals(Duration.ofSeconds(1), g.healthcheckTimeout());
        assertEquals(Duration.ofSeconds(30), g.healthcheckDelay());
        assertEquals(Duration.ofMinutes(1), g.shutdownTimeout());
        assertEquals(Duration.ofSeconds(60), g.banTime());
        assertFalse(g.logClientConnections());
        assertTrue(g.logClientDisconnections());
        assertEquals(Optional.of(Duration.ofSeconds(15)), g.autoreload());
        assertEquals(5, g.workerThreads());
        assertEquals(Duration.ofSeconds(5), g.tcpKeepalivesIdle());
        assertEquals(5, g.tcpKeepalivesCount());
        assertEquals(Duration.ofSeconds(5), g.tcpKeepalivesInterval());
        assertEquals(Duration.ofSeconds(10), g.tcpUserTimeout());
        assertFalse(g.dnsCacheEnabled());
        assertEquals(Duration.ofSeconds(30), g.dnsMaxTtl());
        assertFalse(g.serverRoundRobin());
        assertNull(g.tlsCertificate());
        assertFalse(g.tlsEnabled());
        assertFalse(g.serverTls());
        assertFalse(g.verifyServerCertificate());
        assertEquals("admin_user", g.adminUsername());
        assertEquals("admin_pass", g.adminPassword());
        assertEquals(AuthType.MD5, g.adminAuthType());
        assertTrue(g.validateConfig());
    }

    @Test
    void poolsAreOrderedByName() {
        assertEquals(List.of("sharded_db", "simple_db"), List.copyOf(config.pools().keySet()));
        assertTrue(config.pool("nope").isEmpty());
    }

    @Test
    void shardedPool() {
        PoolConfig p = config.pool("sharded_db").orElseThrow();
        assertEquals("sharded_db", p.name());
        assertEquals(PoolMode.TRANSACTION, p.poolMode());
        assertEquals(LoadBalancingMode.RANDOM, p.loadBalancingMode());
        assertEquals(DefaultRole.ANY, p.defaultRole());
        assertEquals(500, p.preparedStatementsCacheSize());
        assertTrue(p.queryParserEnabled());
        assertTrue(p.queryParserReadWriteSplitting());
        assertTrue(p.primaryReadsEnabled());
        assertEquals("/\\* sharding_key: (\\d+) \\*/", p.shardingKeyRegex());
        assertEquals("/\\* shard_id: (\\d+) \\*/", p.shardIdRegex());
        assertEquals(1000, p.regexSearchLimit());
        assertEquals("shard_0", p.defaultShard());
        assertEquals("pg_bigint_hash", p.shardingFunction());
        assertEquals("data.id", p.automaticShardingKey());
        assertEquals(Duration.ofSeconds(40), p.idleTimeout());
        assertEquals(Duration.ofSeconds(3), p.connectTimeout());
        assertNull(p.serverLifetime());

        assertEquals(List.of("0", "1"), List.copyOf(p.users().keySet()));
        UserConfig sharding = p.users().get("0");
        assertEquals("sharding_user", sharding.username());
        assertEquals("sharding_user", sharding.password());
        assertEquals("sharding_user", sharding.serverUsername());
        assertEquals("sharding_user", sharding.serverPassword());
        assertEquals(PoolMode.TRANSACTION, sharding.poolMode());
        assertEquals(9, sharding.poolSize());
        assertEquals(Duration.ZERO, sharding.statementTimeout());
        UserConfig other = p.user("other_user").orElseThrow();
        assertEquals(21, other.poolSize());
        assertEquals(Duration.ofSeconds(15), other.statementTimeout());
        assertEquals(Duration.ofSeconds(1), other.connectTimeout());
        assertEquals(Duration.ofSeconds(1), other.idleTimeout());
        assertNull(other.poolMode());

        assertEquals(3, p.shards().size());
        ShardConfig shard0 = p.shards().get(0);
        assertEquals("shard0", shard0.database());
        assertEquals(List.of(new ServerAddress("127.0.0.1", 5432, Role.PRIMARY),
                new ServerAddress("localhost", 5432, Role.REPLICA)), shard0.servers());
        assertEquals(List.of(new MirrorAddress("10.0.0.9", 5432, 0)), shard0.mirrors());
        assertEquals("shard2", p.shards().get(2).database());
        assertEquals(List.of(), p.shards().get(2).mirrors());
    }

    @Test
    void sessionPoolWithCapitalizedRoles() {
        PoolConfig p = config.pool("simple_db").orElseThrow();
        assertEquals(PoolMode.SESSION, p.poolMode());
        assertEquals(DefaultRole.PRIMARY, p.defaultRole());
        assertEquals(LoadBalancingMode.LEAST_OUTSTANDING_CONNECTIONS, p.loadBalancingMode());
        UserConfig u = p.user("simple_user").orElseThrow();
        assertEquals(5, u.poolSize());
        assertEquals(3, u.minPoolSize());
        assertEquals(Duration.ofMinutes(1), u.serverLifetime());
        assertEquals("simple_server_user", u.serverUsername());
        assertEquals("simple_server_password", u.serverPassword());
        assertEquals(AuthType.TRUST, u.authType());
        ShardConfig shard = p.shards().get(0);
        assertEquals(List.of(Role.PRIMARY, Role.REPLICA, Role.MIRROR),
                shard.servers().stream().map(ServerAddress::role).toList());
        assertEquals(new ServerAddress("127.0.0.1", 5432, Role.PRIMARY), shard.primary().orElseThrow());
    }

    @Test
    void pluginsPgcatsOwnTypoAndUnsupportedFeaturesAreWarnings() {
        assertEquals(List.of(
                "plugins.intercept: plugins are not supported by pgrudder and are ignored",
                "pools.sharded_db.plugins.prewarmer: plugins are not supported by pgrudder and are ignored",
                "pools.sharded_db.plugins.intercept: plugins are not supported by pgrudder and are ignored",
                "pool is not a pgcat key",
                "pools.sharded_db.shards: sharding is not supported by pgrudder: this pool lists 3 shards, so clients "
                        + "connecting to it are refused (0A000) rather than sent to one shard; give each shard its own pool",
                "pools.sharded_db.shards.0.mirrors: mirroring is not supported by pgrudder; nothing is sent to the mirrors",
                "pools.sharded_db: sharding keys (automatic_sharding_key, sharding_key_regex, shard_id_regex) have no "
                        + "effect: pgrudder serves shard 0 only",
                "pools.simple_db.load_balancing_mode: pgrudder opens replica connections in turn whatever the mode"),
                warnings(config));
    }
}
