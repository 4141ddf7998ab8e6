package io.pgrudder.core.config;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.pgrudder.core.config.TestConfigs.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A minimal file gets pgcat 1.3's code defaults (src/config.rs), not the values pgcat's
 * CONFIG.md claims; the comments name the places where CONFIG.md is wrong.
 */
class CodeDefaultsTest {
    private static PoolerConfig config;
    private static GeneralConfig general;
    private static PoolConfig pool;
    private static UserConfig user;

    @BeforeAll
    static void load() throws ConfigException {
        config = ConfigLoader.load(resource("pgcat-minimal.toml"), Map.of());
        general = config.general();
        pool = config.pool("pgml").orElseThrow();
        user = pool.user("postgres").orElseThrow();
    }

    @Test
    void noWarnings() {
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void generalDefaultsWhereConfigMdIsWrong() {
        assertEquals(5432, general.port());                                   // CONFIG.md: 6432
        assertFalse(general.enablePrometheusExporter());                      // CONFIG.md: true
        assertEquals(Duration.ofMillis(600_000), general.idleTimeout());      // CONFIG.md: 30000
        assertEquals(Duration.ofMillis(3_600_000), general.serverLifetime()); // CONFIG.md: 86400000
        assertTrue(general.serverRoundRobin());                               // CONFIG.md: false
        assertEquals(4, general.workerThreads());                             // CONFIG.md: 5
        assertEquals(Optional.empty(), general.autoreload());                 // CONFIG.md: 15000
        assertTrue(general.validateConfig());                                 // CONFIG.md: verify_config
    }

    @Test
    void generalDefaults() {
        assertEquals("0.0.0.0", general.host());
        assertEquals(9930, general.prometheusExporterPort());
        assertEquals(Duration.ofMillis(1000), general.connectTimeout());
        assertEquals(Duration.ofSeconds(5), general.tcpKeepalivesIdle());
        assertEquals(5, general.tcpKeepalivesCount());
        assertEquals(Duration.ofSeconds(5), general.tcpKeepalivesInterval());
        assertEquals(Duration.ofMillis(10_000), general.tcpUserTimeout());
        assertFalse(general.logClientConnections());
        assertFalse(general.logClientDisconnections());
        assertFalse(general.dnsCacheEnabled());
        assertEquals(Duration.ofSeconds(30), general.dnsMaxTtl());
        assertEquals(Duration.ofMillis(60_000), general.shutdownTimeout());
        assertEquals(Duration.ofMillis(1000), general.healthcheckTimeout());
        assertEquals(Duration.ofMillis(30_000), general.healthcheckDelay());
        assertEquals(Duration.ofSeconds(60), general.banTime());
        assertEquals(Duration.ZERO, general.idleClientInTransactionTimeout());
        assertNull(general.tlsCertificate());
        assertNull(general.tlsPrivateKey());
        assertFalse(general.serverTls());
        assertFalse(general.verifyServerCertificate());
        assertEquals("pgcat", general.adminUsername());
        assertEquals(AuthType.MD5, general.adminAuthType());
        assertNull(general.authQuery());
        assertNull(general.authQueryUser());
        assertNull(general.authQueryPassword());
    }

    @Test
    void pgrudderDefaults() {
        assertEquals(1_073_741_824, general.maxMessageSize());
        assertEquals(Duration.ofMillis(5000), general.shutdownGracePeriod());
        assertEquals(Duration.ofSeconds(60), general.clientLoginTimeout());
        assertEquals(10_000, general.maxClientConn());
        PatroniSettings patroni = general.patroni();
        assertFalse(patroni.usePatroniApi());
        assertEquals(8008, patroni.apiPort());
        assertEquals("http", patroni.apiProtocol());
        assertNull(patroni.apiCa());
        assertEquals(Duration.ofMillis(1000), patroni.pollInterval());
        assertEquals(Duration.ofMillis(500), patroni.apiTimeout());
        assertEquals(Duration.ofMillis(30_000), patroni.leaderWaitTimeout());
        assertNull(patroni.maxReplicaLag());
        assertEquals(PatroniSettings.DEFAULTS, patroni);
        assertEquals(patroni, pool.patroni());
    }

    @Test
    void poolDefaultsWhereConfigMdIsWrong() {
        assertFalse(pool.queryParserEnabled());          // CONFIG.md: true
        assertFalse(pool.primaryReadsEnabled());         // CONFIG.md: true
        // Ours, not pgcat's 0: protocol-level prepared statements work in transaction mode by default.
        assertEquals(500, pool.preparedStatementsCacheSize());
        assertTrue(pool.cleanupServerConnections());
        assertEquals(Duration.ofMillis(100), pool.dbActivityInitDelay()); // CONFIG.md: db_activity_based_ms_init_delay
    }

    @Test
    void poolDefaults() {
        assertEquals("pgml", pool.name());
        assertEquals(PoolMode.TRANSACTION, pool.poolMode());
        assertEquals(LoadBalancingMode.RANDOM, pool.loadBalancingMode());
        assertEquals(DefaultRole.ANY, pool.defaultRole());
        assertNull(pool.queryParserMaxLength());
        assertFalse(pool.queryParserReadWriteSplitting());
        assertNull(pool.connectTimeout());
        assertNull(pool.idleTimeout());
        assertNull(pool.serverLifetime());
        assertNull(pool.checkoutFailureLimit());
        assertEquals("pg_bigint_hash", pool.shardingFunction());
        assertNull(pool.automaticShardingKey());
        assertNull(pool.shardingKeyRegex());
        assertNull(pool.shardIdRegex());
        assertEquals(1000, pool.regexSearchLimit());
        assertEquals("shard_0", pool.defaultShard());
        assertNull(pool.authQuery());
        assertFalse(pool.authQueryConfigured());
        assertFalse(pool.logClientParameterStatusChanges());
        assertFalse(pool.dbActivityBasedRouting());
        assertEquals(Duration.ofSeconds(900), pool.dbActivityTtl());
        assertEquals(Duration.ofMillis(50), pool.tableMutationCacheTtl());
        assertTrue(pool.preparedStatementsEnabledFor(user), "transaction mode + our default cache size");
    }

    @Test
    void userDefaults() {
        assertEquals("postgres", user.password());
        assertEquals(AuthType.MD5, user.authType());
        assertEquals("postgres", user.serverUsername());
        assertEquals("postgres", user.serverPassword());
        assertEquals(10, user.poolSize());
        assertEquals(0, user.minPoolSize());
        assertNull(user.poolMode());
        assertNull(user.serverLifetime());
        assertEquals(Duration.ZERO, user.statementTimeout());
        assertNull(user.connectTimeout());
        assertNull(user.idleTimeout());
        // inherited all the way from [general]
        assertEquals(PoolMode.TRANSACTION, pool.poolModeFor(user));
        assertEquals(Duration.ofMillis(1000), pool.connectTimeoutFor(user, general));
        assertEquals(Duration.ofMillis(600_000), pool.idleTimeoutFor(user, general));
        assertEquals(Duration.ofMillis(3_600_000), pool.serverLifetimeFor(user, general));
    }

    @Test
    void shard() {
        assertEquals(List.of(new ShardConfig("postgres",
                List.of(new ServerAddress("127.0.0.1", 28815, Role.PRIMARY)), List.of())), pool.shards());
    }

    @Test
    void parsedTextTakesItsPathFromThePathKeyOrDefaultsToPgcatToml() throws ConfigException {
        String minimal = TestConfigs.config("", "", "", "");
        assertEquals(Path.of("pgcat.toml"), ConfigLoader.parse(minimal, null, Map.of()).path());
        assertEquals(Path.of("/etc/pgcat/pgcat.toml"),
                ConfigLoader.parse("path = \"/etc/pgcat/pgcat.toml\"\n" + minimal, null, Map.of()).path());
    }
}
