package io.pgrudder.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pgrudder.core.config.TestConfigs.config;
import static io.pgrudder.core.config.TestConfigs.general;
import static io.pgrudder.core.config.TestConfigs.parse;
import static io.pgrudder.core.config.TestConfigs.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** pgcat silently ignores unknown keys; pgrudder loads the file too but says which keys it ignores. */
class UnknownKeyTest {

    @Test
    void unknownGeneralKeyIsAWarning() throws ConfigException {
        // issue pgcat#734: people write this and believe prepared statements are on
        PoolerConfig config = parse(general("prepared_statements = true"));
        assertEquals(List.of("general.prepared_statements is not a pgcat key"), warnings(config));
        ConfigProblem w = config.warnings().get(0);
        assertEquals(ConfigProblem.Severity.WARNING, w.severity());
        assertEquals("general.prepared_statements", w.path());
    }

    @Test
    void unknownKeysAtEveryLevel() throws ConfigException {
        String toml = "nonsense = 1\n" + config("[general.tls]\nx = 1", "poolmode = \"session\"", "foo = 1",
                "weight = 3") + "[pools.db.users.0.extra]\na = 1\n";
        assertEquals(List.of(
                "general.tls is not a pgcat key",
                "pools.db.users.0.foo is not a pgcat key",
                "pools.db.users.0.extra is not a pgcat key",
                "pools.db.shards.0.weight is not a pgcat key",
                "pools.db.poolmode is not a pgcat key",
                "nonsense is not a pgcat key"), warnings(parse(toml)));
    }

    @Test
    void unknownPluginAndPluginKey() throws ConfigException {
        String toml = config("", "query_parser_enabled = true\n"
                + "[pools.db.plugins.query_logger]\nenabled = false\nformat = \"json\"\n"
                + "[pools.db.plugins.rewriter]\nenabled = true", "", "");
        assertEquals(List.of(
                "pools.db.plugins.query_logger.format is not a pgcat key",
                "pools.db.plugins.rewriter is not a pgcat key"), warnings(parse(toml)));
    }

    @Test
    void pgrudderKeysAreNotWarnedAbout() throws ConfigException {
        String toml = config("use_patroni_api = true\npatroni_api_port = 8008\npatroni_api_protocol = \"http\"\n"
                        + "patroni_poll_interval = 1000\npatroni_api_timeout = 500\nleader_wait_timeout = 30000\n"
                        + "max_replica_lag = 1048576\nmax_message_size = 1048576\nshutdown_grace_period = 5000\n"
                        + "client_login_timeout = 60000\nmax_client_conn = 10000",
                "use_patroni_api = false\npatroni_api_port = 8009\npatroni_api_protocol = \"https\"\n"
                        + "patroni_api_ca = \"/etc/ssl/patroni-ca.pem\"\npatroni_poll_interval = 2000\n"
                        + "patroni_api_timeout = 250\nleader_wait_timeout = 10000\nmax_replica_lag = 0",
                "auth_type = \"scram-sha-256\"", "");
        assertEquals(List.of(), warnings(parse(toml)));
    }

    @Test
    void poolNamedLikeTheAdminDatabase() throws ConfigException {
        String toml = config("", "", "", "").replace("pools.db", "pools.pgbouncer");
        assertEquals(List.of("pools.pgbouncer: clients connecting to database pgbouncer reach the admin console, "
                + "never this pool"), warnings(parse(toml)));
    }

    @Test
    void shardNumberGapIsAWarning() throws ConfigException {
        String toml = config("", "", "", "").replace("shards.0", "shards.1");
        PoolerConfig config = parse(toml);
        assertEquals(List.of("pools.db.shards.1: shards are not numbered 0..0 without gaps; "
                + "this one is used as shard 0 (as pgcat does)"), warnings(config));
        assertEquals(1, config.pool("db").orElseThrow().shards().size());
    }

    @Test
    void mirrorTargetOutOfRangeIsAWarning() throws ConfigException {
        PoolerConfig config = parse(TestConfigs.shard("mirrors = [[\"m1\", 5432, 3]]"));
        assertEquals(List.of("pools.db.shards.0.mirrors[0]: mirroring_target_index 3 names no server of this "
                + "shard; the mirror gets no traffic",
                "pools.db.shards.0.mirrors: mirroring is not supported by pgrudder; nothing is sent to the mirrors"),
                warnings(config));
    }
}
