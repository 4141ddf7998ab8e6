package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-query routing (pgcat's query parser settings, SET SERVER ROLE, default_role) against two real
 * servers: the shared test PostgreSQL as the primary and a second one as the "replica", whose
 * sessions are all read-only (default_transaction_read_only = on). Any write routed to the replica
 * fails there with 25006, so a test that expects success proves the write went to the primary; a
 * table holding each server's name tells where a read ran.
 */
@ExtendWith(PostgresExtension.class)
class ReadWriteSplittingIT {
    private static final String WHERE = "SELECT name FROM rw_where";
    private static PostgresServer primary;
    private static PostgresServer replica;

    @BeforeAll
    static void servers(PostgresServer shared) throws Exception {
        primary = shared;
        replica = PostgresServer.start();
        for (PostgresServer pg : new PostgresServer[] {primary, replica}) {
            String name = pg == primary ? "primary" : "replica";
            pg.execute("""
                    DROP TABLE IF EXISTS rw_where, rw_items;
                    CREATE TABLE rw_where (name text);
                    INSERT INTO rw_where VALUES ('%s');
                    CREATE TABLE rw_items (id serial PRIMARY KEY, v text);
                    GRANT ALL ON rw_where, rw_items, rw_items_id_seq TO PUBLIC;
                    CREATE OR REPLACE FUNCTION rw_touch() RETURNS int LANGUAGE sql AS
                      $$ INSERT INTO rw_items (v) VALUES ('touched') RETURNING id $$;
                    """.formatted(name));
        }
        replica.execute("ALTER SYSTEM SET default_transaction_read_only = on");
        replica.execute("SELECT pg_reload_conf()");
        try (Connection c = replica.connect("testdb", PostgresServer.MD5_USER, PostgresServer.MD5_PASSWORD);
             Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("INSERT INTO rw_items (v) VALUES ('x')"));
            assertEquals("25006", e.getSQLState(), "the replica refuses writes");
        }
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
        primary.execute("DROP TABLE IF EXISTS rw_where, rw_items; DROP FUNCTION IF EXISTS rw_touch()");
    }

    private static PgrudderServer pooler(int port, String poolMode, String routing) throws Exception {
        return pooler(port, poolMode, routing, "");
    }

    private static PgrudderServer pooler(int port, String poolMode, String routing, String general) throws Exception {
        return PgrudderServer.start(config(port, general, "pool_mode = \"" + poolMode + "\"\n" + routing, 3,
                servers(primary, "primary") + ", " + servers(replica, "replica")));
    }

    /** One pool, testdb, with md5user, over {@code servers} (the inside of pgcat's servers array). */
    private static PoolerConfig config(int port, String general, String pool, int poolSize, String servers,
                                       String... moreShards) throws Exception {
        StringBuilder shards = new StringBuilder();
        for (int i = 0; i < moreShards.length; i++) {
            shards.append("\n[pools.testdb.shards.").append(i + 1).append("]\ndatabase = \"testdb\"\nservers = [")
                    .append(moreShards[i]).append("]\n");
        }
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 2000
                %s

                [pools.testdb]
                %s

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = %d

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [%s]
                %s""".formatted(port, general, pool, poolSize, servers, shards);
        return ConfigLoader.parse(toml, Path.of("rw-pgcat.toml"), Map.of());
    }

    private static String servers(PostgresServer pg, String role) {
        return "[\"" + pg.host() + "\", " + pg.port() + ", \"" + role + "\"]";
    }

    private static Connection connect(int port, String... extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.MD5_USER);
        p.setProperty("password", PostgresServer.MD5_PASSWORD);
        p.setProperty("sslmode", "disable");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            p.setProperty(extra[i], extra[i + 1]);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p);
    }

    private static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    private static String where(Statement s) throws SQLException {
        return one(s, WHERE);
    }

    @Test
    void theQueryParserSendsReadsToTheReplicaAndEverythingThatCouldWriteToThePrimary() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "transaction",
                "query_parser_enabled = true\nquery_parser_read_write_splitting = true");
             Connection c = connect(port, "preferQueryMode", "simple");
             Statement s = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                assertEquals("replica", where(s));
            }
            // Each of these fails on the read-only replica: succeeding proves they went to the primary.
            s.execute("INSERT INTO rw_items (v) VALUES ('written')");
            for (String lock : new String[] {"FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE"}) {
                assertEquals("primary", one(s, WHERE + " " + lock), lock);
            }
            one(s, "SELECT rw_touch()");
            one(s, "WITH i AS (INSERT INTO rw_items (v) VALUES ('cte') RETURNING id) SELECT id FROM i");
            one(s, "SELECT nextval('rw_items_id_seq')");
            one(s, "SELECT /* a comment; */ 'text; INSERT' AS x, rw_touch()");
            assertEquals("replica", one(s, "SELECT name FROM rw_where -- ; SELECT rw_touch()"));
        }
    }

    @Test
    void transactionsGoWhereTheirFirstStatementSays() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "transaction",
                "query_parser_enabled = true\nquery_parser_read_write_splitting = true");
             Connection c = connect(port)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                assertEquals("primary", where(s), "BEGIN goes to the primary");
                s.execute("INSERT INTO rw_items (v) VALUES ('in a transaction')");
                c.commit();
            }
            c.setReadOnly(true); // pgjdbc: BEGIN READ ONLY
            try (Statement s = c.createStatement()) {
                assertEquals("replica", where(s), "a read-only transaction may run on a replica");
                c.commit();
            }
            c.setReadOnly(false);
            c.setAutoCommit(true);
        }
    }

    @Test
    void namedPreparedStatementsAreRoutedByTheirText() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "transaction",
                "query_parser_enabled = true\nquery_parser_read_write_splitting = true");
             Connection c = connect(port, "prepareThreshold", "1");
             PreparedStatement read = c.prepareStatement(WHERE + " WHERE name <> ?");
             PreparedStatement write = c.prepareStatement("INSERT INTO rw_items (v) VALUES (?)")) {
            for (int i = 0; i < 6; i++) {
                read.setString(1, "nobody");
                try (ResultSet rs = read.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("replica", rs.getString(1), "execution " + i);
                }
                write.setString(1, "prepared " + i);
                assertEquals(1, write.executeUpdate(), "execution " + i);
            }
        }
    }

    @Test
    void setServerRoleAndPrimaryReadsLastForTheConnection() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "transaction", "");
             Connection c = connect(port, "preferQueryMode", "simple");
             Statement s = c.createStatement()) {
            assertEquals("any", one(s, "SHOW SERVER ROLE"));
            assertEquals("primary", where(s), "pgcat's default_role = any: everything to the primary");
            s.execute("SET SERVER ROLE TO 'replica'");
            assertEquals("replica", one(s, "show server role"));
            assertEquals("replica", where(s));
            s.execute("INSERT INTO rw_items (v) VALUES ('still to the primary')");
            s.execute("SET SERVER ROLE TO 'primary'");
            assertEquals("primary", where(s));
            s.execute("SET SERVER ROLE TO 'auto'");
            assertEquals("replica", where(s));
            assertEquals("off", one(s, "SHOW PRIMARY READS"));
            s.execute("SET PRIMARY READS TO on");
            assertEquals("on", one(s, "SHOW PRIMARY READS"));
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 60 && seen.size() < 2; i++) {
                seen.add(where(s));
            }
            assertEquals(Set.of("primary", "replica"), seen, "with primary reads, reads go to both");
            s.execute("SET SERVER ROLE TO 'default'");
            assertEquals("primary", where(s));

            SQLException bad = assertThrows(SQLException.class, () -> s.execute("SET SERVER ROLE TO 'leader'"));
            assertEquals("22023", bad.getSQLState());
            assertEquals("0", one(s, "SHOW SHARD"));
            s.execute("SET SHARD TO '0'");
            SQLException shard = assertThrows(SQLException.class, () -> s.execute("SET SHARD TO '1'"));
            assertEquals("0A000", shard.getSQLState());
            assertEquals("primary", where(s), "the connection still works after the errors");
        }
    }

    @Test
    void theCommandsWorkOverTheExtendedProtocolToo() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "transaction", "");
             Connection c = connect(port, "prepareThreshold", "0")) {
            try (Statement s = c.createStatement()) {
                s.execute("SET SERVER ROLE TO 'replica'");
                assertEquals("replica", where(s));
            }
            try (PreparedStatement show = c.prepareStatement("SHOW SERVER ROLE"); ResultSet rs = show.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("server role", rs.getMetaData().getColumnName(1));
                assertEquals("replica", rs.getString(1));
            }
            try (Statement s = c.createStatement()) {
                SQLException bad = assertThrows(SQLException.class, () -> s.execute("SET PRIMARY READS TO maybe"));
                assertEquals("22023", bad.getSQLState());
                assertEquals("replica", where(s), "an error skips to Sync and the connection goes on");
                s.execute("SET SERVER ROLE TO 'default'");
                assertEquals("primary", where(s));
            }
        }
    }

    @Test
    void theAdminConsoleShowsOneRowPerPoolAndUserWithTheReplicasConnectionsInIt() throws Exception {
        int port = PoolerHarness.freePort();
        int metricsPort = io.pgrudder.server.ops.OpsHarness.freeHttpPort();
        try (PgrudderServer ignored = pooler(port, "session", "default_role = \"replica\"",
                "enable_prometheus_exporter = true\nprometheus_exporter_port = " + metricsPort);
             Connection reader = connect(port);
             Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgcat?sslmode=disable&preferQueryMode=simple",
                     "admin", "admin-secret");
             Statement a = admin.createStatement()) {
            try (Statement s = reader.createStatement()) {
                assertEquals("replica", where(s));
            }
            int pools = 0;
            try (ResultSet rs = a.executeQuery("SHOW POOLS")) {
                while (rs.next()) {
                    if (rs.getString("database").equals("testdb")) {
                        pools++;
                        assertEquals(1, rs.getInt("cl_active"), "the session's client, counted once");
                        assertEquals(1, rs.getInt("sv_active"), "its server, on the replica");
                    }
                }
            }
            assertEquals(1, pools, "one row per (pool, user), as pgcat");
            Set<String> addresses = new HashSet<>();
            try (ResultSet rs = a.executeQuery("SHOW SERVERS")) {
                while (rs.next()) {
                    addresses.add(rs.getString("address_id"));
                }
            }
            assertTrue(addresses.contains("testdb_shard_0_replica"), addresses.toString());
            java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("pgcat_pools_cl_active{pool=\"testdb\",user=\"md5user\"} 1.0"),
                    metrics.body());
        }
    }

    @Test
    void aReplicaDefaultRoleSendsReadsToTheReplicaButNeverAWrite() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "transaction", "default_role = \"replica\"");
             Connection c = connect(port);
             Statement s = c.createStatement()) {
            assertEquals("replica", where(s));
            s.execute("INSERT INTO rw_items (v) VALUES ('default role replica')");
            assertEquals("primary", one(s, WHERE + " FOR UPDATE"));
            one(s, "SELECT rw_touch()");
            assertEquals("replica", where(s));
        }
    }

    @Test
    void sessionModeKeepsTheWholeSessionOnTheDefaultRolesServer() throws Exception {
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = pooler(port, "session", "default_role = \"replica\"");
             Connection c = connect(port);
             Statement s = c.createStatement()) {
            assertEquals("replica", where(s));
            SQLException e = assertThrows(SQLException.class, () -> s.execute("INSERT INTO rw_items (v) VALUES ('x')"));
            assertEquals("25006", e.getSQLState(), "a session on a replica is a session on a replica");
        }
        try (PgrudderServer ignored = pooler(port, "session", "query_parser_enabled = true\n"
                + "query_parser_read_write_splitting = true");
             Connection c = connect(port);
             Statement s = c.createStatement()) {
            assertEquals("primary", where(s));
            s.execute("INSERT INTO rw_items (v) VALUES ('session on the primary')");
        }
    }

    /**
     * pgcat's BAN host seconds (here host:port, since both test servers share a host): the replica
     * gets no new connections, even as the last one (reads go to the primary), SHOW BANS lists it,
     * and UNBAN brings it back. The primary is never banned.
     */
    @Test
    void theAdminConsolesBanTakesAReplicaOutUntilUnban() throws Exception {
        int port = PoolerHarness.freePort();
        String replicaAddress = replica.host() + ":" + replica.port();
        try (PgrudderServer ignored = pooler(port, "transaction", "default_role = \"replica\"");
             Connection c = connect(port);
             Statement s = c.createStatement();
             Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                     + "/pgcat?sslmode=disable&preferQueryMode=simple", "admin", "admin-secret");
             Statement a = admin.createStatement()) {
            assertEquals("replica", where(s));
            try (ResultSet rs = a.executeQuery("BAN " + replicaAddress + " 60")) {
                assertTrue(rs.next(), "one ban");
                assertEquals("testdb", rs.getString("db"));
                assertEquals("replica", rs.getString("role"));
                assertEquals(replica.host(), rs.getString("host"));
                assertFalse(rs.next());
            }
            assertEquals("primary", where(s), "reads go to the primary while the only replica is banned");
            try (ResultSet rs = a.executeQuery("SHOW BANS")) {
                assertTrue(rs.next(), "SHOW BANS lists it");
                assertEquals("AdminBan", rs.getString("reason"));
                assertEquals(60, rs.getLong("ban_duration_seconds"));
                assertTrue(rs.getLong("ban_remaining_seconds") > 0 && rs.getLong("ban_remaining_seconds") <= 60);
                assertTrue(rs.getLong("ban_time") > 1_700_000_000L, "when it began, as a Unix time");
            }
            try (ResultSet rs = a.executeQuery("BAN " + primary.host() + ":" + primary.port() + " 60")) {
                assertFalse(rs.next(), "a primary is never banned");
            }
            try (ResultSet rs = a.executeQuery("UNBAN " + replicaAddress)) {
                assertTrue(rs.next(), "one ban lifted");
            }
            assertEquals("replica", where(s), "back on the replica");
            try (ResultSet rs = a.executeQuery("SHOW BANS")) {
                assertFalse(rs.next(), "nothing banned");
            }
            assertEquals("22023", assertThrows(SQLException.class, () -> a.execute("BAN " + replicaAddress + " soon"))
                    .getSQLState());
        }
    }

    @Test
    void aReplicaThatDropsConnectionsIsBannedAndReadsGoToTheOthers() throws Exception {
        int port = PoolerHarness.freePort();
        // A "replica" that accepts and hangs up at once, counting how often the pooler tries it.
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        try (java.net.ServerSocket dead = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread hangUp = new Thread(() -> {
                while (!dead.isClosed()) {
                    try (java.net.Socket s = dead.accept()) {
                        attempts.incrementAndGet();
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            hangUp.setDaemon(true);
            hangUp.start();
            PoolerConfig config = config(port, "", "pool_mode = \"transaction\"\ndefault_role = \"replica\"", 4,
                    servers(primary, "primary") + ", [\"127.0.0.1\", " + dead.getLocalPort() + ", \"replica\"], "
                            + servers(replica, "replica"));
            try (PgrudderServer ignored = PgrudderServer.start(config)) {
                // Four read-only transactions open at once need four server connections.
                java.util.List<Connection> clients = new java.util.ArrayList<>();
                try {
                    for (int i = 0; i < 4; i++) {
                        Connection c = connect(port);
                        c.setAutoCommit(false);
                        c.setReadOnly(true);
                        clients.add(c);
                        try (Statement s = c.createStatement()) {
                            assertEquals("replica", where(s), "client " + i);
                        }
                    }
                } finally {
                    for (Connection c : clients) {
                        c.close();
                    }
                }
            }
            assertEquals(1, attempts.get(), "after its first failure the dropping replica is banned (ban_time)");
        }
    }

    @Test
    void aShardedPoolRefusesClientsInsteadOfSendingEveryRowToShardZero() throws Exception {
        int port = PoolerHarness.freePort();
        PoolerConfig config = config(port, "", "", 2, servers(primary, "primary"), servers(replica, "primary"));
        assertTrue(config.warnings().stream().anyMatch(w -> w.toString().contains("sharding is not supported")),
                config.warnings().toString());
        try (PgrudderServer ignored = PgrudderServer.start(config)) {
            SQLException e = assertThrows(SQLException.class, () -> connect(port).close());
            assertEquals("0A000", e.getSQLState());
            assertTrue(e.getMessage().contains("sharded"), e.getMessage());
        }
    }

    @Test
    void aPoolWithoutReplicasSendsReplicaReadsToThePrimary() throws Exception {
        int port = PoolerHarness.freePort();
        PoolerConfig config = config(port, "", "pool_mode = \"transaction\"\nquery_parser_enabled = true\n"
                + "query_parser_read_write_splitting = true", 2, servers(primary, "primary"));
        try (PgrudderServer ignored = PgrudderServer.start(config);
             Connection c = connect(port);
             Statement s = c.createStatement()) {
            assertEquals("primary", where(s));
            s.execute("SET SERVER ROLE TO 'replica'");
            assertEquals("primary", where(s));
        }
    }
}
