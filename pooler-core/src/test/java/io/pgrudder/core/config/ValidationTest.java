package io.pgrudder.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.pgrudder.core.config.TestConfigs.config;
import static io.pgrudder.core.config.TestConfigs.errors;
import static io.pgrudder.core.config.TestConfigs.general;
import static io.pgrudder.core.config.TestConfigs.pool;
import static io.pgrudder.core.config.TestConfigs.shard;
import static io.pgrudder.core.config.TestConfigs.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every invalid value is an error naming its full key path and saying what was expected. */
class ValidationTest {

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                arguments(general("port = \"abc\""), "general.port: expected an integer from 1 to 65535, got \"abc\""),
                arguments(general("port = 70000"), "general.port: expected an integer from 1 to 65535, got 70000"),
                arguments(general("port = 0"), "general.port: expected an integer from 1 to 65535, got 0"),
                arguments(general("prometheus_exporter_port = 40000"),
                        "general.prometheus_exporter_port: expected an integer from 1 to 32767, got 40000"),
                arguments(general("idle_timeout = 1.5"),
                        "general.idle_timeout: expected a non-negative integer (milliseconds), got 1.5"),
                arguments(general("ban_time = -1"),
                        "general.ban_time: expected a non-negative integer (seconds), got -1"),
                arguments(general("connect_timeout = 99999999999999999999"),
                        "general.connect_timeout: expected a non-negative integer (milliseconds), got 99999999999999999999"),
                arguments(general("worker_threads = 0"),
                        "general.worker_threads: expected an integer from 1 to 2147483647, got 0"),
                arguments(general("autoreload = 0"),
                        "general.autoreload: expected an integer of at least 1 (milliseconds), got 0"),
                arguments(general("server_tls = \"yes\""), "general.server_tls: expected true or false, got \"yes\""),
                arguments(general("host = 5"), "general.host: expected a string, got 5"),
                arguments(general("admin_auth_type = \"password\""),
                        "general.admin_auth_type: expected \"md5\", \"trust\" or \"scram-sha-256\", got \"password\""),
                arguments(general("tls_certificate = \"server.cert\""),
                        "general.tls_private_key: required when tls_certificate is set"),
                arguments(general("auth_query = \"SELECT usename, passwd FROM pg_shadow WHERE usename='$1'\""),
                        "general.auth_query: requires auth_query_user and auth_query_password"),
                arguments(general("max_message_size = 10"),
                        "general.max_message_size: expected an integer from 1024 to 2147483647, got 10"),
                arguments(general("patroni_api_protocol = \"ftp\""),
                        "general.patroni_api_protocol: expected \"http\" or \"https\", got \"ftp\""),
                arguments(general("patroni_poll_interval = 0"),
                        "general.patroni_poll_interval: expected an integer of at least 1 (milliseconds), got 0"),

                arguments(pool("pool_mode = \"statement\""),
                        "pools.db.pool_mode: expected \"session\" or \"transaction\", got \"statement\""),
                arguments(pool("default_role = \"Primary\""),
                        "pools.db.default_role: expected \"any\", \"primary\" or \"replica\", got \"Primary\""),
                arguments(pool("load_balancing_mode = \"fastest\""),
                        "pools.db.load_balancing_mode: expected \"random\", \"loc\" or \"least_outstanding_connections\", got \"fastest\""),
                arguments(pool("sharding_function = \"md5\""),
                        "pools.db.sharding_function: expected \"pg_bigint_hash\" or \"sha1\", got \"md5\""),
                arguments(pool("default_shard = \"shard_1\""),
                        "pools.db.default_shard: shard_1 does not exist; the pool has shards 0 to 0"),
                arguments(pool("default_shard = \"first\""),
                        "pools.db.default_shard: expected \"shard_<number>\", \"random\" or \"random_healthy\", got \"first\""),
                arguments(pool("automatic_sharding_key = \"id\""),
                        "pools.db.automatic_sharding_key: expected \"table.column\", got \"id\""),
                arguments(pool("query_parser_read_write_splitting = true"),
                        "pools.db.query_parser_read_write_splitting: requires query_parser_enabled = true"),
                arguments(pool("shard_id_regex = \"(\""),
                        "pools.db.shard_id_regex: not a valid regular expression: Unclosed group"),
                arguments(pool("auth_query = \"SELECT 1\"\nauth_query_user = \"u\""),
                        "pools.db.auth_query: requires auth_query_user and auth_query_password"),
                arguments(pool("db_activity_based_routing = true\ndb_activity_ttl = 0"),
                        "pools.db.db_activity_ttl: expected an integer of at least 1 (seconds), got 0"),
                arguments(pool("[pools.db.plugins.query_logger]\nenabled = false"),
                        "pools.db.plugins: plugins are only valid when query_parser_enabled is true"),
                arguments(pool("query_parser_enabled = true\n[pools.db.plugins.table_access]\nenabled = true"),
                        "pools.db.plugins.table_access.tables: required key is missing"),
                arguments(pool("patroni_api_port = 0"),
                        "pools.db.patroni_api_port: expected an integer from 1 to 65535, got 0"),

                arguments(user("pool_size = 0"),
                        "pools.db.users.0.pool_size: expected an integer from 1 to 2147483647, got 0"),
                arguments(user("min_pool_size = 6"),
                        "pools.db.users.0.min_pool_size: min_pool_size of 6 cannot be larger than pool_size of 5"),
                arguments(user("auth_type = \"plain\""),
                        "pools.db.users.0.auth_type: expected \"md5\", \"trust\" or \"scram-sha-256\", got \"plain\""),
                arguments(user("pool_mode = \"statement\""),
                        "pools.db.users.0.pool_mode: expected \"session\" or \"transaction\", got \"statement\""),
                arguments(user("statement_timeout = -5"),
                        "pools.db.users.0.statement_timeout: expected a non-negative integer (milliseconds), got -5"),

                arguments(shard("servers = []"), "pools.db.shards.0.servers: at least one server is required"),
                arguments(shard("servers = \"pg1:5432\""),
                        "pools.db.shards.0.servers: expected an array of [host, port, role], got \"pg1:5432\""),
                arguments(shard("servers = [[\"pg1\", 5432]]"),
                        "pools.db.shards.0.servers[0]: expected [host, port, role], got an array"),
                arguments(shard("servers = [[\"pg1\", 5432, \"master\"]]"),
                        "pools.db.shards.0.servers[0].role: expected \"primary\", \"replica\" or \"mirror\", got \"master\""),
                arguments(shard("servers = [[\"pg1\", \"5432\", \"primary\"]]"),
                        "pools.db.shards.0.servers[0].port: expected an integer from 1 to 65535, got \"5432\""),
                arguments(shard("servers = [[\"pg1\", 5432, \"primary\"], [\"pg2\", 5432, \"primary\"]]"),
                        "pools.db.shards.0.servers[1]: more than one primary in this shard (also pools.db.shards.0.servers[0])"),
                arguments(shard("servers = [[\"pg1\", 5432, \"primary\"], [\"pg1\", 5432, \"replica\"]]"),
                        "pools.db.shards.0.servers[1]: duplicate server pg1:5432 (also pools.db.shards.0.servers[0])"),
                arguments(shard("mirrors = [[\"m1\", 5432]]"),
                        "pools.db.shards.0.mirrors[0]: expected [host, port, mirroring_target_index], got an array"));
    }

    @ParameterizedTest
    @MethodSource("invalidValues")
    void invalidValueIsAnErrorWithItsPath(String toml, String expected) {
        assertEquals(List.of(expected), errors(toml));
    }

    @Test
    void missingRequiredKeys() {
        String toml = "[general]\n"
                + "[pools.db.users.0]\n"
                + "password = \"x\"\n"
                + "[pools.db.shards.0]\n"
                + "[pools.other]\n";
        assertEquals(List.of(
                "general.admin_username: required key is missing",
                "general.admin_password: required key is missing",
                "pools.db.users.0.username: required key is missing",
                "pools.db.users.0.pool_size: required key is missing",
                "pools.db.shards.0.database: required key is missing",
                "pools.db.shards.0.servers: required key is missing",
                "pools.other.users: required key is missing",
                "pools.other.shards: required key is missing"), errors(toml));
    }

    @Test
    void missingGeneralAndPools() {
        assertEquals(List.of(
                "general.admin_username: required key is missing",
                "general.admin_password: required key is missing",
                "pools: required key is missing"), errors("path = \"pgcat.toml\"\n"));
    }

    @Test
    void emptyShardsTable() {
        String toml = general("") + "[pools.empty]\nusers = {}\nshards = {}\n";
        assertEquals(List.of("pools.empty.shards: at least one shard is required"), errors(toml));
    }

    @Test
    void shardKeysMustBeNumbers() {
        String toml = shard("[pools.db.shards.a]\ndatabase = \"x\"\nservers = [[\"pg1\", 5432, \"primary\"]]");
        assertEquals(List.of("pools.db.shards.a: shard keys must be numbers starting at 0"), errors(toml));
    }

    @Test
    void duplicateUsernamesInAPool() {
        String toml = user("[pools.db.users.1]\nusername = \"app\"\npassword = \"x\"\npool_size = 1");
        assertEquals(List.of("pools.db.users.1.username: duplicate username \"app\" (also pools.db.users.0)"),
                errors(toml));
    }

    @Test
    void passwordRequiredUnlessAuthQuery() throws ConfigException {
        String noPassword = "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\n%s\n"
                + "[pools.db.users.0]\nusername = \"app\"\npool_size = 1\n"
                + "[pools.db.shards.0]\ndatabase = \"d\"\nservers = [[\"pg1\", 5432, \"primary\"]]\n";
        assertEquals(List.of("pools.db.users.0.password: required unless auth_type is \"trust\" "
                        + "or the pool has auth_query, auth_query_user and auth_query_password"),
                errors(String.format(noPassword, "")));

        // a trust user needs no password (the server may trust pgrudder too)
        PoolerConfig trust = TestConfigs.parse(String.format(noPassword, "")
                .replace("pool_size = 1\n", "pool_size = 1\nauth_type = \"trust\"\n"));
        assertEquals(null, trust.pool("db").orElseThrow().users().get("0").password());

        // general auth_query is inherited by the pool (pgcat's fill_up_auth_query_config)
        PoolerConfig ok = TestConfigs.parse(String.format(noPassword,
                "auth_query = \"SELECT usename, passwd FROM pg_shadow WHERE usename='$1'\"\n"
                        + "auth_query_user = \"pgcat_auth\"\nauth_query_password = \"aq-secret\""));
        PoolConfig pool = ok.pool("db").orElseThrow();
        assertTrue(pool.authQueryConfigured());
        assertEquals("pgcat_auth", pool.authQueryUser());
        assertEquals("aq-secret", pool.authQueryPassword());
        assertEquals(null, pool.users().get("0").password());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String toml = config("port = \"x\"", "pool_mode = \"statement\"", "pool_size = 0",
                "servers = [[\"pg1\", 5432, \"master\"]]");
        ConfigException e = TestConfigs.failure(toml);
        assertEquals(4, e.errors().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid configuration test.toml: 4 errors"), e.getMessage());
        assertTrue(e.getMessage().contains("error: general.port: expected"), e.getMessage());
        assertTrue(e.getMessage().contains("error: pools.db.users.0.pool_size: expected"), e.getMessage());
    }

    @Test
    void tomlSyntaxErrorNamesFileLineAndColumn() {
        ConfigException e = TestConfigs.failure("[general]\nadmin_username = \"a\"\nport = = 5\n");
        assertEquals(List.of("test.toml:3:8: TOML syntax error: Unknown token"), e.errors().stream()
                .map(ConfigProblem::toString).toList());
        assertTrue(e.getMessage().contains("test.toml:3:8"), e.getMessage());
    }

    @Test
    void duplicateTomlKeyIsASyntaxError() {
        // jackson reports the position after the duplicate key's line
        ConfigException e = TestConfigs.failure("[general]\nport = 1\nport = 2\n");
        assertEquals("test.toml:4:1: TOML syntax error: Duplicate key", e.errors().get(0).toString());
    }

    @Test
    void missingFile() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(java.nio.file.Path.of("/nonexistent/pgcat.toml"), java.util.Map.of()));
        assertEquals("/nonexistent/pgcat.toml: file does not exist", e.errors().get(0).toString());
    }
}
