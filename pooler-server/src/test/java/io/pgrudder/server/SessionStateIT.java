package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transaction mode behaves like a direct connection (issue 10): what a client changes in its
 * session is still there in its next transaction, on whichever server it gets, and never in
 * another client's. pool_size 1, so A and B share one backend; autocommit, so every statement is
 * its own transaction and A lets go of the server after each one unless something pins it.
 */
@ExtendWith(PostgresExtension.class)
class SessionStateIT {
    private PgrudderServer pooler;
    private String url;
    private int port;
    private int metricsPort;
    private PostgresServer postgres;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        start(postgres, "");
    }

    private void start(PostgresServer postgres, String generalExtra) throws Exception {
        if (pooler != null) {
            pooler.close();
        }
        this.postgres = postgres;
        postgres.execute("DROP ROLE IF EXISTS state_bob; CREATE ROLE state_bob");
        port = PoolerHarness.freePort();
        metricsPort = io.pgrudder.server.ops.OpsHarness.freeHttpPort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                enable_prometheus_exporter = true
                prometheus_exporter_port = %d
                %s

                [pools.testdb]
                pool_mode = "transaction"

                [pools.testdb.users.0]
                username = "postgres"
                auth_type = "trust"
                pool_size = 1

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["127.0.0.1", %d, "primary"]]
                """.formatted(port, metricsPort, generalExtra, postgres.port());
        url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
        pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("state.toml"), Map.of()));
    }

    @AfterEach
    void stop() throws Exception {
        if (pooler != null) {
            pooler.close();
        }
        postgres.execute("DROP ROLE IF EXISTS state_bob");
    }

    private Connection connect(String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("sslmode", "disable");
        p.setProperty("socketTimeout", "30");
        if (options != null) {
            p.setProperty("options", options);
        }
        return DriverManager.getConnection(url, p);
    }

    private Connection admin() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", "admin-secret");
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer", p);
    }

    private String metrics() throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static void run(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String pid(Connection c) throws SQLException {
        return scalar(c, "SELECT pg_backend_pid()");
    }

    @Test
    void settingsTheServerDoesNotReportAreCarriedToTheClientsNextTransactionsOnly() throws Exception {
        record Case(String set, String show, String forA, String forB) {
        }
        List<Case> cases = List.of(
                new Case("SET statement_timeout = 4321", "SHOW statement_timeout", "4321ms", "0"),
                new Case("SET default_transaction_isolation = 'serializable'", "SHOW default_transaction_isolation",
                        "serializable", "read committed"),
                new Case("SET default_transaction_read_only = on", "SHOW default_transaction_read_only", "on", "off"),
                new Case("SET client_min_messages = warning", "SHOW client_min_messages", "warning", "notice"),
                new Case("SET password_encryption = 'md5'", "SHOW password_encryption", "md5", "scram-sha-256"),
                new Case("SELECT set_config('session_replication_role', 'replica', false)",
                        "SHOW session_replication_role", "replica", "origin"),
                new Case("SET app.tenant = '7'", "SELECT current_setting('app.tenant', true)", "7", null),
                new Case("SELECT set_config('app.region', 'eu', false)", "SELECT current_setting('app.region', true)",
                        "eu", null));
        try (Connection b = connect(null); Connection a = connect(null)) {
            for (Case c : cases) {
                run(a, c.set());
                assertEquals(c.forA(), scalar(a, c.show()), c.set() + ": A's next transaction has it");
                assertEquals(pid(a), pid(b), "one backend for both");
                String seenByB = scalar(b, c.show());
                assertEquals(c.forB() == null ? null : c.forB(), seenByB == null || seenByB.isEmpty() ? null : seenByB,
                        c.set() + ": B on the same backend never has it");
                assertEquals(c.forA(), scalar(a, c.show()), c.set() + ": A has it back after B");
            }
            try (PreparedStatement ps = a.prepareStatement("SELECT set_config(?, ?, false)")) {
                ps.setString(1, "work_mem");
                ps.setString(2, "8MB");
                ps.executeQuery().close();
            }
            assertEquals("8MB", scalar(a, "SHOW work_mem"), "a set_config whose arguments come in Bind counts too");
            assertEquals("4MB", scalar(b, "SHOW work_mem"));
        }
    }

    @Test
    void resetReturnsToTheStartupValueAndSetLocalStaysInItsTransaction() throws Exception {
        try (Connection b = connect(null); Connection a = connect("-c statement_timeout=5000")) {
            assertEquals("5s", scalar(a, "SHOW statement_timeout"));
            run(a, "SET statement_timeout = 4321");
            assertEquals("4321ms", scalar(a, "SHOW statement_timeout"));
            assertEquals("0", scalar(b, "SHOW statement_timeout"));
            run(a, "RESET statement_timeout");
            assertEquals("5s", scalar(a, "SHOW statement_timeout"), "RESET returns to the startup value");
            a.setAutoCommit(false);
            run(a, "SET LOCAL statement_timeout = 1234");
            assertEquals("1234ms", scalar(a, "SHOW statement_timeout"));
            a.commit();
            a.setAutoCommit(true);
            assertEquals("5s", scalar(a, "SHOW statement_timeout"), "SET LOCAL ended with its transaction");
            a.setAutoCommit(false);
            run(a, "SET statement_timeout = 999");
            a.rollback();
            a.setAutoCommit(true);
            assertEquals("5s", scalar(a, "SHOW statement_timeout"), "a SET rolled back is not carried");
        }
    }

    @Test
    void theRoleAndTheSessionAuthorizationFollowTheClientAndOnlyIt() throws Exception {
        try (Connection b = connect(null); Connection a = connect(null)) {
            run(a, "SET ROLE state_bob");
            assertEquals("state_bob", scalar(a, "SELECT current_user"));
            assertEquals("postgres", scalar(b, "SELECT current_user"), "B never runs as A's role");
            assertEquals(pid(a), pid(b));
            assertEquals("state_bob", scalar(a, "SELECT current_user"));
            run(a, "RESET ROLE");
            run(a, "SET SESSION AUTHORIZATION state_bob");
            run(a, "RESET ALL");
            run(a, "RESET ROLE"); // neither undoes SET SESSION AUTHORIZATION, on a direct connection either
            assertEquals("state_bob", scalar(a, "SELECT session_user"));
            assertEquals("postgres", scalar(b, "SELECT session_user"), "B runs as itself, not as A's bob");
            assertEquals("postgres", scalar(b, "SELECT current_user"));
            assertEquals("state_bob", scalar(a, "SELECT session_user"));
            run(a, "RESET SESSION AUTHORIZATION");
            assertEquals("postgres", scalar(a, "SELECT session_user"));
        }
    }

    @Test
    void temporaryTablesPinTheClientUntilTheyAreGone() throws Exception {
        try (Connection b = connect(null); Connection a = connect(null)) {
            String backend = pid(b);
            run(a, "CREATE TEMP TABLE t (a int)");
            run(a, "INSERT INTO t VALUES (1)");
            run(a, "CREATE TEMP TABLE t2 AS SELECT 2 AS a");
            run(a, "SELECT a INTO TEMP t3 FROM t2");
            assertEquals("3", scalar(a, "SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM t2) + (SELECT count(*) FROM t3)"));
            assertEquals(backend, pid(a));
            run(a, "DROP TABLE t, t2, t3");
            run(a, "CREATE TEMP VIEW tv AS SELECT 1 AS one");
            run(a, "CREATE TEMP SEQUENCE ts");
            assertEquals("1", scalar(a, "SELECT one FROM tv"));
            assertEquals("1", scalar(a, "SELECT nextval('ts')"));
            assertEquals("2", scalar(a, "SELECT nextval('ts')"), "the same sequence, so the same server");
            run(a, "DROP VIEW tv");
            run(a, "DROP SEQUENCE ts");
            // Unpinned: B gets the backend, which holds none of A's tables.
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()"));
            assertEquals(backend, pid(b));
        }
        try (Connection a = connect(null)) {
            run(a, "CREATE TEMP TABLE gone (a int)");
            run(a, "INSERT INTO gone VALUES (1)");
        }
        try (Connection b = connect(null)) {
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()"),
                    "a pinned client's server is cleaned before the next one gets it");
        }
    }

    @Test
    void holdCursorsAdvisoryLocksAndPrepareFollowTheClient() throws Exception {
        try (Connection b = connect(null); Connection a = connect(null)) {
            a.setAutoCommit(false);
            run(a, "DECLARE w CURSOR WITH HOLD FOR SELECT generate_series(1, 3)");
            a.commit();
            a.setAutoCommit(true);
            assertEquals("1", scalar(a, "FETCH 1 FROM w"));
            assertEquals("2", scalar(a, "FETCH 1 FROM w"));
            run(a, "CLOSE w");
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_cursors WHERE name = 'w'"));

            assertEquals("", scalar(a, "SELECT pg_advisory_lock(42)"));
            assertEquals("1", scalar(a, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"));
            assertEquals("t", scalar(a, "SELECT pg_advisory_unlock(42)"));
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));

            postgres.execute("CREATE OR REPLACE PROCEDURE state_lock() LANGUAGE sql AS 'SELECT pg_advisory_lock(8)'");
            run(a, "CALL state_lock()");
            assertEquals("1", scalar(a, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
                    "a procedure's lock: CALL is probed");
            run(a, "SELECT pg_advisory_unlock_all()");
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));

            run(a, "DO $$ BEGIN PERFORM pg_advisory_lock(7); END $$");
            assertEquals("1", scalar(a, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"));
            run(a, "SELECT pg_advisory_unlock_all()");

            run(a, "PREPARE q AS SELECT 41 + 1");
            assertEquals("42", scalar(a, "EXECUTE q"));
            run(a, "DEALLOCATE q");
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql"));
        }
    }

    @Test
    void listenGetsItsNotifications() throws Exception {
        try (Connection b = connect(null); Connection a = connect(null)) {
            // pgjdbc sends it with the extended protocol, so the server runs it and A is pinned to it
            // (a plain simple-query LISTEN is answered by the pooler instead: ListenNotifyIT).
            run(a, "LISTEN ch");
            // B needs the server A holds: it waits until A no longer listens, so NOTIFY goes from the server itself.
            postgres.execute("NOTIFY ch, 'hello'");
            PGNotification[] got = a.unwrap(PGConnection.class).getNotifications(20_000);
            assertNotNull(got);
            assertEquals("hello", got[0].getParameter());
            run(a, "UNLISTEN *");
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_listening_channels()"));
        }
    }

    @Test
    void aPinnedClientWhoseServerIsLostEndsAsADirectConnectionWould() throws Exception {
        try (Connection a = connect(null)) {
            run(a, "CREATE TEMP TABLE t (a int)");
            String backend = pid(a);
            postgres.execute("SELECT pg_terminate_backend(" + backend + ")");
            SQLException e = assertThrows(SQLException.class, () -> run(a, "INSERT INTO t VALUES (1)"));
            assertTrue(e.getSQLState().startsWith("08") || e.getSQLState().equals("57P01"), e.getSQLState() + " " + e.getMessage());
        }
        try (Connection b = connect(null)) {
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()"));
        }
    }

    private static List<String> pinnedColumn(Connection admin) {
        List<String> pinned = new java.util.ArrayList<>();
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
            while (rs.next()) {
                pinned.add(rs.getString("pinned"));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return pinned;
    }

    @Test
    void aPinnedClientIsVisibleAndAFullPoolOfThemSaysSo() throws Exception {
        try (Connection a = connect(null); Connection b = connect(null); Connection admin = admin()) {
            run(a, "CREATE TEMP TABLE t (a int)");
            run(a, "SELECT pg_advisory_lock(1)");
            // The client has its answer before the probe after it has answered: wait for what SHOW CLIENTS says.
            Await.until("SHOW CLIENTS names both pins", () -> pinnedColumn(admin).contains("session advisory locks, "
                    + "temporary objects"), java.time.Duration.ofSeconds(20));
            List<String> pinned = pinnedColumn(admin);
            assertTrue(pinned.contains("session advisory locks, temporary objects"), pinned.toString());
            assertTrue(pinned.contains(""), "B is not pinned: " + pinned);
            String m = metrics();
            assertTrue(m.contains("pgrudder_pinned_clients{pool=\"testdb\",reason=\"temp_objects\",user=\"postgres\"} 1.0"), m);
            assertTrue(m.contains("pgrudder_pinned_clients{pool=\"testdb\",reason=\"listen\",user=\"postgres\"} 0.0"), m);
            SQLException e = assertThrows(SQLException.class, () -> scalar(b, "SELECT 1"));
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("1 held between transactions by clients pinned by session state"), e.getMessage());
        }
    }

    @Test
    void withPinningOffTheStateIsCleanedInsteadAndTheClientLosesIt(PostgresServer postgres) throws Exception {
        start(postgres, "pin_session_state = false");
        try (Connection b = connect(null); Connection a = connect(null)) {
            run(a, "CREATE TEMP TABLE t (a int)");
            SQLException e = assertThrows(SQLException.class, () -> run(a, "INSERT INTO t VALUES (1)"));
            assertEquals("42P01", e.getSQLState(), "pgcat's behaviour: cleaned when the client let go");
            run(a, "SET statement_timeout = 4321");
            assertEquals("4321ms", scalar(a, "SHOW statement_timeout"), "settings are still carried");
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()"));
            assertEquals(pid(a), pid(b));
        }
    }
}
