package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Session pooling through pgrudder with pgjdbc against a real PostgreSQL. */
@ExtendWith(PostgresExtension.class)
class SessionPoolingIT {
    private PoolerHarness harness;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, 2);
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void md5ScramAndTrustUsersLogInAndReachTheirServer() throws Exception {
        try (Connection md5 = harness.connect("md5user", "md5pass");
             Connection scram = harness.connect("scramuser", "scrampass");
             Connection trust = harness.connect("trustuser", null)) {
            assertEquals("md5user", scalar(md5, "SELECT current_user"));
            assertEquals("scramuser", scalar(scram, "SELECT current_user"));
            assertEquals("trustuser", scalar(trust, "SELECT current_user"));
        }
    }

    @Test
    void poolNameMapsToTheRealDatabase() throws Exception {
        try (Connection c = harness.connect("aliasdb", "md5user", "md5pass", new Properties())) {
            assertEquals("testdb", scalar(c, "SELECT current_database()"));
        }
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameError() {
        SQLException wrong = assertThrows(SQLException.class, () -> harness.connect("md5user", "nope"));
        assertEquals("28P01", wrong.getSQLState());
        assertTrue(wrong.getMessage().contains("password authentication failed for user \"md5user\""), wrong.getMessage());

        SQLException unknown = assertThrows(SQLException.class, () -> harness.connect("ghost", "nope"));
        assertEquals("28P01", unknown.getSQLState());
        assertTrue(unknown.getMessage().contains("password authentication failed for user \"ghost\""), unknown.getMessage());

        SQLException scram = assertThrows(SQLException.class, () -> harness.connect("scramuser", "wrong"));
        assertEquals("28P01", scram.getSQLState());
    }

    @Test
    void unknownDatabaseIs3D000() {
        SQLException e = assertThrows(SQLException.class,
                () -> harness.connect("nosuchdb", "md5user", "md5pass", new Properties()));
        assertEquals("3D000", e.getSQLState());
        assertTrue(e.getMessage().contains("database \"nosuchdb\" does not exist"), e.getMessage());
    }

    @Test
    void aLeftSessionIsCleanedAndReusedWithoutLeakingState() throws Exception {
        int pid;
        try (Connection c = harness.connect("md5user", "md5pass"); Statement s = c.createStatement()) {
            pid = ((PGConnection) c).getBackendPID();
            s.execute("SET work_mem = '77MB'");
            s.execute("CREATE TEMP TABLE leftover(i int)");
            s.execute("PREPARE leftover_stmt AS SELECT 1");
            s.execute("LISTEN leftover_channel");
        }
        awaitCleaned(pid);
        try (Connection c = harness.connect("md5user", "md5pass"); Statement s = c.createStatement()) {
            assertEquals(pid, ((PGConnection) c).getBackendPID(), "the cleaned server connection is reused");
            assertNotEquals("77MB", scalar(c, "SHOW work_mem"));
            assertEquals("0", scalar(c, "SELECT count(*) FROM pg_prepared_statements"));
            assertEquals("0", scalar(c, "SELECT count(*) FROM pg_listening_channels()"));
            assertEquals("f", scalar(c, "SELECT to_regclass('pg_temp.leftover') IS NOT NULL"));
        }
    }

    @Test
    void anOpenTransactionIsRolledBackWhenTheClientLeaves() throws Exception {
        try (Connection c = harness.postgres.connect("testdb", "postgres", null); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS left_open; CREATE TABLE left_open(i int); GRANT ALL ON left_open TO md5user");
        }
        int pid;
        try (Connection c = harness.connect("md5user", "md5pass")) {
            pid = ((PGConnection) c).getBackendPID();
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO left_open VALUES (1)");
        }
        awaitCleaned(pid);
        try (Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals(pid, ((PGConnection) c).getBackendPID(), "rolled back and reused, not closed");
            assertEquals("0", scalar(c, "SELECT count(*) FROM left_open"));
            assertEquals("idle", scalar(c, "SELECT coalesce(max(state), 'idle') FROM pg_stat_activity "
                    + "WHERE usename = 'md5user' AND pid <> pg_backend_pid() AND state LIKE 'idle in%'"));
        }
    }

    @Test
    void startupParametersHoldAndResetReturnsToThem() throws Exception {
        Properties p = new Properties();
        p.setProperty("ApplicationName", "orders-service");
        // pgjdbc puts ApplicationName in the startup packet (rather than a SET after login) from 9.0 on.
        p.setProperty("assumeMinServerVersion", "9.0");
        p.setProperty("options", "-c statement_timeout=4321 -c search_path=custom,public -c extra_float_digits=2"
                + " -c idle_in_transaction_session_timeout=98765 -c work_mem=5MB");
        try (Connection c = harness.connect("testdb", "md5user", "md5pass", p); Statement s = c.createStatement()) {
            assertEquals("orders-service", scalar(c, "SHOW application_name"));
            assertEquals("4321ms", scalar(c, "SHOW statement_timeout"));
            assertEquals("custom,public", scalar(c, "SHOW search_path"));
            assertEquals("98765ms", scalar(c, "SHOW idle_in_transaction_session_timeout"));
            assertEquals("5MB", scalar(c, "SHOW work_mem"));
            s.execute("SET statement_timeout = 10; SET work_mem = '9MB'; SET application_name = 'other'");
            s.execute("RESET statement_timeout");
            assertEquals("4321ms", scalar(c, "SHOW statement_timeout"));
            s.execute("RESET ALL");
            assertEquals("5MB", scalar(c, "SHOW work_mem"));
            assertEquals("orders-service", scalar(c, "SHOW application_name"));
            assertEquals("orders-service", ((PGConnection) c).getParameterStatus("application_name"),
                    "ParameterStatus follows the server");
        }
    }

    @Test
    void parameterStatusSeenByTheClientMatchesTheServer() throws Exception {
        Properties p = new Properties();
        p.setProperty("options", "-c DateStyle=SQL,DMY -c TimeZone=Asia/Tokyo -c IntervalStyle=iso_8601");
        p.setProperty("ApplicationName", "reporting");
        try (Connection c = harness.connect("testdb", "scramuser", "scrampass", p)) {
            PGConnection pg = (PGConnection) c;
            for (String name : new String[]{"DateStyle", "TimeZone", "IntervalStyle", "application_name",
                    "client_encoding", "server_version", "standard_conforming_strings", "integer_datetimes"}) {
                assertEquals(scalar(c, "SHOW " + name), pg.getParameterStatus(name), name);
            }
        }
    }

    @Test
    void backendKeyDataCarriesTheRealBackendPid() throws Exception {
        try (Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals(scalar(c, "SELECT pg_backend_pid()"), String.valueOf(((PGConnection) c).getBackendPID()));
        }
    }

    @Test
    void cancelReachesTheServerConnectionTheClientHolds() throws Exception {
        try (Connection c = harness.connect("md5user", "md5pass"); Connection other = harness.connect("md5user", "md5pass")) {
            Statement s = c.createStatement();
            CompletableFuture<SQLException> running = CompletableFuture.supplyAsync(() -> {
                try {
                    s.execute("SELECT pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            // Wait until the sleep is really running on the server, then cancel it.
            waitFor(other, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'", "1");
            s.cancel();
            SQLException e = running.get(20, TimeUnit.SECONDS);
            assertNotNull(e, "the query was cancelled");
            assertEquals("57014", e.getSQLState());
            assertEquals("1", scalar(other, "SELECT 1"), "the other client's connection is untouched");
            assertEquals("2", scalar(c, "SELECT 2"), "the cancelled session goes on");
        }
    }

    @Test
    void pipelinedExtendedProtocolBatchesAndErrorsInTransactions() throws Exception {
        try (Connection c = harness.connect("md5user", "md5pass"); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE batch(i int primary key)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch VALUES (?)")) {
                for (int i = 0; i < 500; i++) {
                    ps.setInt(1, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            assertEquals("500", scalar(c, "SELECT count(*) FROM batch"));
            SQLException dup = assertThrows(SQLException.class, () -> s.execute("INSERT INTO batch VALUES (1)"));
            assertEquals("23505", dup.getSQLState());
            SQLException aborted = assertThrows(SQLException.class, () -> s.execute("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState(), "the transaction is aborted, as on a direct connection");
            c.rollback();
            assertEquals("500", scalar(c, "SELECT count(*) FROM batch"));
        }
    }

    @Test
    void copyInAndOutPassThrough() throws Exception {
        try (Connection c = harness.connect("scramuser", "scrampass"); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE copied(i int, t text)");
            CopyManager copy = ((PGConnection) c).getCopyAPI();
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                data.append(i).append('\t').append("row ").append(i).append('\n');
            }
            assertEquals(10_000, copy.copyIn("COPY copied FROM STDIN", new StringReader(data.toString())));
            StringWriter out = new StringWriter();
            assertEquals(10_000, copy.copyOut("COPY copied TO STDOUT", out));
            assertEquals(data.toString(), out.toString());
            SQLException bad = assertThrows(SQLException.class,
                    () -> copy.copyIn("COPY copied FROM STDIN", new StringReader("not-a-number\tx\n")));
            assertEquals("22P02", bad.getSQLState());
            assertEquals("10000", scalar(c, "SELECT count(*) FROM copied"));
        }
    }

    @Test
    void listenNotifyAndNoticesPassThrough() throws Exception {
        try (Connection listener = harness.connect("md5user", "md5pass"); Connection notifier = harness.connect("md5user", "md5pass")) {
            listener.createStatement().execute("LISTEN jobs");
            notifier.createStatement().execute("NOTIFY jobs, 'payload-1'");
            PGNotification[] got = ((PGConnection) listener).getNotifications(10_000);
            assertNotNull(got);
            assertEquals("jobs", got[0].getName());
            assertEquals("payload-1", got[0].getParameter());
            assertEquals(((PGConnection) notifier).getBackendPID(), got[0].getPID(), "NOTIFY's pid is the real backend pid");

            Statement s = listener.createStatement();
            s.execute("DO $$ BEGIN RAISE NOTICE 'hello from the server'; END $$");
            SQLWarning w = s.getWarnings();
            assertNotNull(w);
            assertTrue(w.getMessage().contains("hello from the server"));
        }
    }

    @Test
    void aServerThatDiesGivesItsClientAnErrorAndThePoolAFreshConnection() throws Exception {
        int pid;
        try (Connection c = harness.connect("md5user", "md5pass")) {
            pid = ((PGConnection) c).getBackendPID();
            try (Connection admin = harness.postgres.connect("testdb", "postgres", null)) {
                admin.createStatement().execute("SELECT pg_terminate_backend(" + pid + ")");
            }
            SQLException e = assertThrows(SQLException.class, () -> scalar(c, "SELECT 1"));
            assertTrue(e.getSQLState().startsWith("57") || e.getSQLState().startsWith("08"), e.getSQLState());
        }
        try (Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals("1", scalar(c, "SELECT 1"));
            assertNotEquals(pid, ((PGConnection) c).getBackendPID());
        }
    }

    @Test
    void clientsBeyondPoolSizeWaitThenGetAClearError() throws Exception {
        try (Connection a = harness.connect("md5user", "md5pass"); Connection b = harness.connect("md5user", "md5pass")) {
            SQLException e = assertThrows(SQLException.class, () -> harness.connect("md5user", "md5pass"));
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("connect_timeout"), e.getMessage());
            CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
                try (Connection c = harness.connect("md5user", "md5pass")) {
                    return scalar(c, "SELECT 'got one'");
                } catch (SQLException ex) {
                    return ex.getSQLState();
                }
            });
            Thread.sleep(200);
            assertFalse(waiting.isDone(), "the third client waits for a free connection");
            a.close();
            assertEquals("got one", waiting.get(10, TimeUnit.SECONDS));
        }
    }

    /** Waits until the pool has cleaned the backend a client left (its last statement was DISCARD ALL). */
    private void awaitCleaned(int pid) throws Exception {
        try (Connection direct = harness.postgres.connect("testdb", "postgres", null)) {
            waitFor(direct, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid
                    + " AND state = 'idle' AND query = 'DISCARD ALL'", "1");
        }
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    static void waitFor(Connection c, String sql, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!expected.equals(scalar(c, sql))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + sql + " = " + expected);
            }
            Thread.sleep(20);
        }
    }
}
