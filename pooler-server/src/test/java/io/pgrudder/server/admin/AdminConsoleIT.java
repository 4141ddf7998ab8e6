package io.pgrudder.server.admin;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.server.PgrudderServer;
import io.pgrudder.server.ops.OpsHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin console through pgjdbc: pgcat's columns, values that move, commands, who may connect. */
@ExtendWith(PostgresExtension.class)
class AdminConsoleIT {
    private OpsHarness harness;
    private PgrudderServer server;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        harness = new OpsHarness(postgres, "admin_auth_type = \"md5\"\nshutdown_timeout = 2000\nhealthcheck_delay = 1500", 3);
        server = harness.startInProcess();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        harness.delete();
    }

    @Test
    void showCommandsHavePgcatsColumnsInOrder() throws Exception {
        try (Connection admin = harness.admin("pgcat")) {
            assertEquals(List.of("database", "user", "pool_mode", "cl_idle", "cl_active", "cl_waiting", "cl_cancel_req",
                    "sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login", "maxwait", "maxwait_us"), columns(admin, "SHOW POOLS"));
            assertEquals(List.of("instance", "database", "user", "total_xact_count", "total_query_count", "total_received",
                    "total_sent", "total_xact_time", "total_query_time", "total_wait_time", "total_errors", "avg_xact_count",
                    "avg_query_count", "avg_recv", "avg_sent", "avg_errors", "avg_xact_time", "avg_query_time",
                    "avg_wait_time"), columns(admin, "SHOW STATS"));
            assertEquals(List.of("name", "host", "port", "database", "force_user", "pool_size", "min_pool_size",
                    "reserve_pool", "pool_mode", "max_connections", "current_connections", "paused", "disabled"),
                    columns(admin, "SHOW DATABASES"));
            assertEquals(List.of("client_id", "database", "user", "application_name", "state", "transaction_count",
                    "query_count", "error_count", "age_seconds", "maxwait", "maxwait_us", "addr", "port", "local_addr",
                    "local_port", "remote_pid", "tls", "pinned"), columns(admin, "SHOW CLIENTS"));
            assertEquals(List.of("server_id", "database_name", "user", "address_id", "application_name", "state",
                    "transaction_count", "query_count", "bytes_sent", "bytes_received", "age_seconds", "prepare_cache_hit",
                    "prepare_cache_miss", "prepare_cache_eviction", "prepare_cache_size", "addr", "port", "local_addr",
                    "local_port", "remote_pid", "tls"), columns(admin, "SHOW SERVERS"));
            assertEquals(List.of("list", "items"), columns(admin, "SHOW LISTS"));
            assertEquals(List.of("key", "value", "default", "changeable"), columns(admin, "show config;"));
            assertEquals(List.of("version"), columns(admin, "SHOW VERSION"));
            assertEquals(List.of("name", "pool_mode"), columns(admin, "SHOW USERS"));
            assertEquals(List.of("db", "user", "role", "host", "reason", "ban_time", "ban_duration_seconds",
                    "ban_remaining_seconds"), columns(admin, "SHOW BANS"));
            assertTrue(rows(admin, "SHOW HELP").size() > 10);
            assertTrue(rows(admin, "SHOW VERSION").get(0).get("version").startsWith("PgCat 1.3.0"));
            List<Map<String, String>> lists = rows(admin, "SHOW LISTS");
            assertEquals("databases", lists.get(0).get("list"));
            assertEquals("2", lists.get(0).get("items"));
        }
    }

    @Test
    void statsPoolsClientsAndServersCountWhatHappened() throws Exception {
        try (Connection app = harness.connect("testdb"); Connection admin = harness.admin("pgbouncer")) {
            app.setAutoCommit(true);
            try (Statement st = app.createStatement()) {
                for (int i = 0; i < 5; i++) {
                    st.execute("SELECT " + i);
                }
                assertThrows(SQLException.class, () -> st.execute("SELECT 1/0"));
            }
            Map<String, String> stats = row(rows(admin, "SHOW STATS"), "database", "testdb");
            assertEquals("testdb_shard_0_primary", stats.get("instance"));
            assertTrue(Long.parseLong(stats.get("total_query_count")) >= 6, stats.toString());
            assertTrue(Long.parseLong(stats.get("total_xact_count")) >= 6, stats.toString());
            assertTrue(Long.parseLong(stats.get("total_received")) > 0, stats.toString());
            assertTrue(Long.parseLong(stats.get("total_sent")) > 0, stats.toString());
            assertTrue(Long.parseLong(stats.get("total_query_time")) > 0, stats.toString());
            assertEquals("1", stats.get("total_errors"), stats.toString());

            try (Statement st = app.createStatement()) {
                st.execute("SELECT 42");
            }
            Map<String, String> later = row(rows(admin, "SHOW STATS"), "database", "testdb");
            assertTrue(Long.parseLong(later.get("total_query_count")) > Long.parseLong(stats.get("total_query_count")));

            Map<String, String> client = row(rows(admin, "SHOW CLIENTS"), "database", "testdb");
            assertEquals("md5user", client.get("user"));
            assertEquals("idle", client.get("state"));
            assertTrue(Long.parseLong(client.get("query_count")) >= 7, client.toString());
            assertEquals("1", client.get("error_count"));

            Map<String, String> server = row(rows(admin, "SHOW SERVERS"), "database_name", "testdb");
            assertEquals("idle", server.get("state"));
            assertTrue(Long.parseLong(server.get("query_count")) >= 1, server.toString());
            assertTrue(Long.parseLong(server.get("bytes_received")) > 0, server.toString());

            Map<String, String> pool = row(rows(admin, "SHOW POOLS"), "database", "testdb");
            assertEquals("transaction", pool.get("pool_mode"));
            assertEquals("1", pool.get("cl_idle"));
            assertTrue(Integer.parseInt(pool.get("sv_idle")) >= 1, pool.toString());
            Map<String, String> db = row(rows(admin, "SHOW DATABASES"), "name", "testdb_shard_0_primary");
            assertEquals("3", db.get("pool_size"));
        }
    }

    @Test
    void reconnectGivesNewBackendsAndPauseHoldsCheckouts() throws Exception {
        try (Connection app = harness.connect("otherdb"); Connection admin = harness.admin("pgrudder")) {
            int before = pid(app);
            assertEquals(before, pid(app));
            try (Statement st = admin.createStatement()) {
                st.execute("RECONNECT otherdb");
            }
            assertNotEquals(before, pid(app));

            try (Statement st = admin.createStatement()) {
                st.execute("PAUSE otherdb,md5user");
                st.execute("RECONNECT otherdb"); // the pool that replaces the paused one is paused too
            }
            java.util.concurrent.CompletableFuture<Integer> held = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return pid(app);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
            while (!"1".equals(row(rows(admin, "SHOW POOLS"), "database", "otherdb").get("cl_waiting"))) {
                assertTrue(java.time.Instant.now().isBefore(deadline), "the query waits while the pool is paused");
                Thread.sleep(20);
            }
            assertFalse(held.isDone(), "nothing runs while paused");
            try (Statement st = admin.createStatement()) {
                st.execute("RESUME otherdb");
            }
            assertTrue(held.get(30, java.util.concurrent.TimeUnit.SECONDS) > 0, "RESUME lets it run");
        }
    }

    @Test
    void killClosesTheDatabasesClients() throws Exception {
        try (Connection app = harness.connect("testdb"); Connection admin = harness.admin("pgcat")) {
            pid(app);
            try (Statement st = admin.createStatement()) {
                st.execute("KILL testdb");
            }
            SQLException e = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 20; i++) {
                    pid(app);
                    Thread.sleep(50);
                }
            });
            assertTrue(e.getSQLState().startsWith("57P01") || e.getSQLState().startsWith("08"), e.getSQLState());
            try (Connection again = harness.connect("testdb")) {
                pid(again);
            }
        }
    }

    @Test
    void onlyTheAdminUserGetsInAndUnknownCommandsNameTheSupportedOnes() throws Exception {
        SQLException notAdmin = assertThrows(SQLException.class, () -> {
            java.util.Properties p = new java.util.Properties();
            p.setProperty("user", "md5user");
            p.setProperty("password", "md5pass");
            p.setProperty("sslmode", "disable");
            java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + harness.port + "/pgcat", p).close();
        });
        assertEquals("28000", notAdmin.getSQLState());
        SQLException wrong = assertThrows(SQLException.class, () -> {
            java.util.Properties p = new java.util.Properties();
            p.setProperty("user", "admin");
            p.setProperty("password", "nope");
            p.setProperty("sslmode", "disable");
            java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + harness.port + "/pgcat", p).close();
        });
        assertEquals("28P01", wrong.getSQLState());
        try (Connection admin = harness.admin("pgcat"); Statement st = admin.createStatement()) {
            SQLException unknown = assertThrows(SQLException.class, () -> st.execute("DROP TABLE x"));
            assertTrue(unknown.getMessage().contains("SHOW POOLS|STATS"), unknown.getMessage());
            assertTrue(unknown.getMessage().contains("RELOAD"), unknown.getMessage());
            st.execute("SET client_encoding = 'UTF8'");
            // still usable after an error
            assertEquals(12, rows(admin, "SHOW LISTS").size());
        }
    }

    /**
     * prometheus-community/pgbouncer_exporter's own queries (collector.go), as it sends them, and
     * what it needs of each answer: it reads columns by name, maps gauges and counters with
     * strconv.ParseFloat, and sets pgbouncer_up 0 when any query fails.
     */
    @Test
    void pgbouncerExportersQueriesGetTheColumnsItReads() throws Exception {
        try (Connection app = harness.connect("testdb"); Connection admin = harness.admin("pgbouncer")) {
            pid(app);
            columns(admin, "SHOW STATS"); // getDB's ping
            assertEquals(List.of("version"), columns(admin, "SHOW VERSION;"));
            Map<String, String> types = types(admin, "SHOW LISTS;");
            assertEquals("text", types.get("list"));
            assertEquals("int8", types.get("items"));
            List<Map<String, String>> config = rows(admin, "SHOW CONFIG;");
            assertEquals(4, columns(admin, "SHOW CONFIG;").size());
            Double.parseDouble(row(config, "key", "max_client_conn").get("value"));
            config.stream().filter(r -> r.get("key").equals("max_user_connections"))
                    .forEach(r -> Double.parseDouble(r.get("value")));
            assertTrue(columns(admin, "SHOW CLIENTS;").containsAll(List.of("database", "user", "state",
                    "application_name")));
            expectNumbers(admin, "SHOW databases;", List.of("name", "host", "port", "database", "force_user", "pool_mode"),
                    List.of("pool_size", "reserve_pool", "max_connections", "current_connections", "paused", "disabled"));
            expectNumbers(admin, "SHOW stats_totals;", List.of("database"), List.of("query_count", "query_time",
                    "bytes_received", "bytes_sent", "wait_time", "xact_count", "xact_time", "server_assignment_count"));
            expectNumbers(admin, "SHOW pools;", List.of("database", "user"), List.of("cl_active", "cl_waiting",
                    "sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login", "maxwait"));
            Map<String, String> totals = row(rows(admin, "SHOW stats_totals;"), "database", "testdb");
            assertTrue(Long.parseLong(totals.get("query_count")) >= 1, totals.toString());
            assertTrue(Long.parseLong(totals.get("server_assignment_count")) >= 1, totals.toString());
            assertTrue(Long.parseLong(totals.get("bytes_received")) > 0, totals.toString());
            assertTrue(Long.parseLong(totals.get("bytes_sent")) > 0, totals.toString());
            List<Map<String, String>> lists = rows(admin, "SHOW LISTS;");
            assertEquals("1", row(lists, "list", "used_clients").get("items"), lists.toString());
            assertEquals("0", row(lists, "list", "login_clients").get("items"), "the admin session is not a login");

            Thread.sleep(1700); // past healthcheck_delay: the idle server now needs a test before reuse
            Map<String, String> pool = row(rows(admin, "SHOW pools;"), "database", "testdb");
            assertEquals("0", pool.get("sv_idle"), pool.toString());
            assertTrue(Long.parseLong(pool.get("sv_used")) >= 1, pool.toString());
            assertEquals("0", pool.get("cl_cancel_req"), pool.toString());
        }
    }

    private static void expectNumbers(Connection admin, String sql, List<String> labels, List<String> numbers)
            throws SQLException {
        Map<String, String> types = types(admin, sql);
        for (String l : labels) {
            assertTrue(types.containsKey(l), sql + " lacks label column " + l + ": " + types);
        }
        for (String n : numbers) {
            assertEquals("int8", types.get(n), sql + " column " + n + ": " + types);
        }
        for (Map<String, String> r : rows(admin, sql)) {
            for (String n : numbers) {
                Double.parseDouble(r.get(n));
            }
        }
    }

    @Test
    void pgbouncersOtherTablesAndTheNewColumnsSayWhatIsThere() throws Exception {
        try (Connection app = harness.connect("testdb"); Connection admin = harness.admin("pgbouncer")) {
            int backend = pid(app);
            Map<String, String> client = row(rows(admin, "SHOW CLIENTS"), "database", "testdb");
            assertEquals("127.0.0.1", client.get("addr"));
            assertTrue(Integer.parseInt(client.get("port")) > 0, client.toString());
            assertEquals(String.valueOf(harness.port), client.get("local_port"));
            assertEquals("", client.get("tls"));
            List<Map<String, String>> servers = rows(admin, "SHOW SERVERS");
            assertTrue(servers.stream().anyMatch(r -> r.get("remote_pid").equals(String.valueOf(backend))), servers.toString());
            Map<String, String> server = row(servers, "remote_pid", String.valueOf(backend));
            assertEquals(String.valueOf(harness.postgres.port()), server.get("port"));
            assertTrue(Integer.parseInt(server.get("local_port")) > 0, server.toString());

            List<Map<String, String>> sockets = rows(admin, "SHOW SOCKETS");
            assertTrue(sockets.stream().anyMatch(r -> r.get("type").equals("C") && r.get("database").equals("testdb")));
            assertTrue(sockets.stream().anyMatch(r -> r.get("type").equals("S")
                    && r.get("remote_pid").equals(String.valueOf(backend))), sockets.toString());
            List<Map<String, String>> totals = rows(admin, "SHOW TOTALS");
            assertTrue(Long.parseLong(row(totals, "name", "total_query_count").get("value")) >= 1, totals.toString());
            assertEquals(List.of("database", "xact_count", "query_count", "bytes_received", "bytes_sent", "xact_time",
                    "query_time", "wait_time"), columns(admin, "SHOW STATS_AVERAGES"));
            assertTrue(rows(admin, "SHOW FDS").isEmpty());
            assertTrue(columns(admin, "SHOW FDS").containsAll(List.of("fd", "task", "user", "database")));
            assertEquals(List.of("name", "size", "used", "free", "memtotal"), columns(admin, "SHOW MEM"));
            assertTrue(Long.parseLong(row(rows(admin, "SHOW MEM"), "name", "jvm_heap").get("used")) > 0);
            assertEquals("no", row(rows(admin, "SHOW STATE"), "key", "paused").get("value"));
            try (Statement st = admin.createStatement()) {
                assertEquals("0A000", assertThrows(SQLException.class, () -> st.execute("SUSPEND")).getSQLState());
                assertEquals("42601", assertThrows(SQLException.class, () -> st.execute("BAN 127.0.0.1"))
                        .getSQLState(), "BAN host seconds");
                SQLException noPatroni = assertThrows(SQLException.class, () -> st.execute("SWITCHOVER TO node2"));
                assertEquals("55000", noPatroni.getSQLState(), "no pool follows Patroni here");
                assertEquals("42601", assertThrows(SQLException.class, () -> st.execute("SWITCHOVER TO"))
                        .getSQLState());
            }
        }
    }

    @Test
    void pauseReturnsOnlyWhenTheServersAreReleasedAndGivesUpAfterShutdownTimeout() throws Exception {
        try (Connection app = harness.connect("testdb"); Connection admin = harness.admin("pgbouncer")) {
            app.setAutoCommit(false);
            pid(app); // holds a server until COMMIT
            java.util.concurrent.CompletableFuture<Void> pause = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try (Statement st = admin.createStatement()) {
                    st.execute("PAUSE testdb");
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(500);
            assertFalse(pause.isDone(), "PAUSE returned while a transaction held a server");
            app.commit();
            pause.get(5, java.util.concurrent.TimeUnit.SECONDS);
            Map<String, String> pool = row(rows(admin, "SHOW POOLS"), "database", "testdb");
            assertEquals("0", pool.get("sv_active"), pool.toString());
            assertEquals("0", pool.get("sv_idle"), "PAUSE closes the released servers: " + pool);
            try (Statement st = admin.createStatement()) {
                st.execute("RESUME testdb");
            }
            pid(app);
            app.commit();

            pid(app); // a transaction that stays open past shutdown_timeout (2 s)
            long start = System.nanoTime();
            try (Statement st = admin.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> st.execute("PAUSE testdb"));
                assertEquals("57014", e.getSQLState());
                assertTrue(e.getMessage().contains("shutdown_timeout"), e.getMessage());
                assertTrue(System.nanoTime() - start >= 1_500_000_000L);
                st.execute("RESUME testdb");
            }
            app.commit();
            pid(app);
            app.commit();
        }
    }

    @Test
    void disableKillClientAndWaitClose() throws Exception {
        try (Connection app = harness.connect("otherdb"); Connection admin = harness.admin("pgbouncer")) {
            pid(app);
            try (Statement st = admin.createStatement()) {
                st.execute("DISABLE otherdb");
            }
            assertEquals("57P03", assertThrows(SQLException.class, () -> harness.connect("otherdb").close()).getSQLState());
            pid(app); // clients already in stay
            assertEquals("1", row(rows(admin, "SHOW DATABASES"), "name", "otherdb_shard_0_primary").get("disabled"));
            try (Statement st = admin.createStatement()) {
                st.execute("ENABLE otherdb");
            }
            try (Connection again = harness.connect("otherdb")) {
                pid(again);
            }

            app.setAutoCommit(false);
            pid(app);
            try (Statement st = admin.createStatement()) {
                st.execute("RECONNECT otherdb");
            }
            java.util.concurrent.CompletableFuture<Void> waitClose = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try (Statement st = admin.createStatement()) {
                    st.execute("WAIT_CLOSE otherdb");
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(500);
            assertFalse(waitClose.isDone(), "WAIT_CLOSE returned while the old server was still held");
            app.commit();
            waitClose.get(5, java.util.concurrent.TimeUnit.SECONDS);

            String id = row(rows(admin, "SHOW CLIENTS"), "database", "otherdb").get("client_id");
            try (Statement st = admin.createStatement()) {
                st.execute("KILL_CLIENT " + id);
                assertEquals("22023", assertThrows(SQLException.class, () -> st.execute("KILL_CLIENT 999999999"))
                        .getSQLState());
            }
            app.setAutoCommit(true);
            SQLException gone = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 20; i++) {
                    pid(app);
                    Thread.sleep(50);
                }
            });
            assertTrue(gone.getSQLState().startsWith("57P01") || gone.getSQLState().startsWith("08"), gone.getSQLState());
        }
    }

    static Map<String, String> types(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            Map<String, String> types = new java.util.LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                types.put(md.getColumnName(i), md.getColumnTypeName(i));
            }
            return types;
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static List<String> columns(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                names.add(md.getColumnName(i));
            }
            return names;
        }
    }

    static List<Map<String, String>> rows(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, String>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    static Map<String, String> row(List<Map<String, String>> rows, String column, String value) {
        return rows.stream().filter(r -> value.equals(r.get(column))).findFirst()
                .orElseThrow(() -> new AssertionError("no row with " + column + " = " + value + " in " + rows));
    }
}
