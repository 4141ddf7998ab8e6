package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.StartupMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pgrudder.server.SessionPoolingIT.scalar;
import static io.pgrudder.server.SessionPoolingIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transaction pooling: many clients share one or two server connections and never see each
 * other's state. pgjdbc runs with prepareThreshold=0 here (unnamed statements only).
 */
@ExtendWith(PostgresExtension.class)
class TransactionPoolingIT {
    private PoolerHarness harness;
    private PostgresServer postgres;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        this.postgres = postgres;
        harness = PoolerHarness.start(postgres, "transaction", "", 1, "connect_timeout = 5000");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    private Connection client(String applicationName, String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "0");
        p.setProperty("assumeMinServerVersion", "9.0");
        if (applicationName != null) {
            p.setProperty("ApplicationName", applicationName);
        }
        if (options != null) {
            p.setProperty("options", options);
        }
        return harness.connect("testdb", "md5user", "md5pass", p);
    }

    @Test
    void manyClientsShareOneServerConnection() throws Exception {
        List<Connection> clients = new ArrayList<>();
        String since;
        try (Connection direct = postgres.connect("testdb", "postgres", null)) {
            since = scalar(direct, "SELECT now()::text");
        }
        try {
            for (int i = 0; i < 12; i++) {
                clients.add(client("c" + i, null));
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < clients.size(); i++) {
                    assertEquals("c" + i, scalar(clients.get(i), "SHOW application_name"));
                }
            }
            try (Connection direct = postgres.connect("testdb", "postgres", null)) {
                // pool_size 1: twelve clients, one backend (earlier tests' backends may still be exiting).
                assertEquals("1", scalar(direct, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'md5user'"
                        + " AND backend_start >= '" + since + "'"));
            }
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    /** As PostgreSQL refuses a startup whose options it cannot apply, with that setting's error. */
    @Test
    void aStartupSettingTheServerRefusesEndsTheLogin() throws Exception {
        SQLException e = assertThrows(SQLException.class, () -> client("bad-role", "-c role=no_such_role_here"));
        assertEquals("22023", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("no_such_role_here"), e.getMessage());
        // The shared server went back clean: the next client runs as itself.
        try (Connection next = client("next", null)) {
            assertEquals("md5user", scalar(next, "SELECT current_user"));
        }
    }

    @Test
    void eachClientKeepsItsOwnSettingsOnASharedConnection() throws Exception {
        try (Connection a = client("app-a", "-c search_path=schema_a,public -c DateStyle=ISO,DMY -c extra_float_digits=1 -c statement_timeout=1111");
             Connection b = client("app-b", "-c TimeZone=Asia/Tokyo -c IntervalStyle=iso_8601")) {
            for (int i = 0; i < 3; i++) {
                assertEquals("app-a", scalar(a, "SHOW application_name"));
                assertEquals("schema_a,public", scalar(a, "SHOW search_path"));
                assertEquals("ISO, DMY", scalar(a, "SHOW DateStyle"));
                assertEquals("1", scalar(a, "SHOW extra_float_digits"));
                assertEquals("1111ms", scalar(a, "SHOW statement_timeout"));
                assertEquals("app-b", scalar(b, "SHOW application_name"));
                assertEquals("Asia/Tokyo", scalar(b, "SHOW TimeZone"));
                assertEquals("iso_8601", scalar(b, "SHOW IntervalStyle"));
                assertEquals("0", scalar(b, "SHOW statement_timeout"), "b never asked for a's statement_timeout");
                assertFalse(scalar(b, "SHOW search_path").contains("schema_a"));
                assertEquals("ISO, MDY", scalar(b, "SHOW DateStyle"));
            }
        }
    }

    @Test
    void aClientsOwnSetOfATrackedSettingFollowsItToTheNextTransaction() throws Exception {
        try (Connection a = client("a", null); Connection b = client("b", null)) {
            a.createStatement().execute("SET IntervalStyle = 'postgres_verbose'");
            assertEquals("postgres", scalar(b, "SHOW IntervalStyle"), "not seen by another client");
            assertEquals("postgres_verbose", scalar(a, "SHOW IntervalStyle"), "carried to a's next transaction");
            assertEquals("postgres_verbose", ((PGConnection) a).getParameterStatus("IntervalStyle"));
        }
    }

    /** State that cannot move pins its client (SessionStateIT); when the client leaves, none of it is handed on. */
    @Test
    void sessionStateIsCleanedBeforeAnotherClientGetsTheConnection() throws Exception {
        try (Connection a = client("a", null)) {
            Statement s = a.createStatement();
            s.execute("SET work_mem = '77MB'");
            s.execute("PREPARE sql_level AS SELECT 1");
            s.execute("LISTEN some_channel");
            s.execute("CREATE TEMP TABLE temp_left(i int)");
            s.execute("BEGIN; DECLARE held CURSOR WITH HOLD FOR SELECT 1; COMMIT");
            s.execute("SELECT pg_advisory_lock(4242)");
            assertEquals("77MB", scalar(a, "SHOW work_mem"));
            assertEquals("0", scalar(a, "SELECT count(*) FROM temp_left"), "A's temporary table is still A's");
        }
        try (Connection b = client("b", null)) {
            assertTrue(scalar(b, "SHOW work_mem").length() > 0);
            assertFalse(scalar(b, "SHOW work_mem").equals("77MB"));
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql"));
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_listening_channels()"));
            assertEquals("f", scalar(b, "SELECT to_regclass('pg_temp.temp_left') IS NOT NULL"));
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_cursors WHERE name = 'held'"));
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
        }
    }

    @Test
    void aTransactionOverManyRoundTripsKeepsItsConnectionAndOthersWait() throws Exception {
        try (Connection a = client("a", null)) {
            a.setAutoCommit(false);
            String xid = scalar(a, "SELECT txid_current()");
            CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> {
                try (Connection c = client("b", null)) {
                    return scalar(c, "SELECT 'b ran'");
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            for (int i = 0; i < 5; i++) {
                assertEquals(xid, scalar(a, "SELECT txid_current()"), "one transaction, one backend");
            }
            assertFalse(b.isDone(), "b waits while a's transaction holds the only connection");
            a.commit();
            assertEquals("b ran", b.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void anErrorInATransactionKeepsTheConnectionUntilRollback() throws Exception {
        try (Connection a = client("a", null)) {
            a.setAutoCommit(false);
            Statement s = a.createStatement();
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT 1/0"));
            assertEquals("22012", e.getSQLState());
            assertEquals("25P02", assertThrows(SQLException.class, () -> s.execute("SELECT 1")).getSQLState());
            a.rollback();
            assertEquals("1", scalar(a, "SELECT 1"));
        }
    }

    @Test
    void aClientThatLeavesInsideATransactionNeverLeavesItDirty() throws Exception {
        postgres.execute("DROP TABLE IF EXISTS tx_left; CREATE TABLE tx_left(i int); GRANT ALL ON tx_left TO md5user");
        try (Connection a = client("a", null)) {
            a.setAutoCommit(false);
            a.createStatement().execute("INSERT INTO tx_left VALUES (1)");
        }
        try (Connection b = client("b", null)) {
            assertEquals("0", scalar(b, "SELECT count(*) FROM tx_left"));
            assertEquals("I", String.valueOf(scalar(b, "SELECT 'I'")));
        }
        try (Connection direct = postgres.connect("testdb", "postgres", null)) {
            assertEquals("0", scalar(direct, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'md5user' AND state LIKE 'idle in transaction%'"));
        }
    }

    @Test
    void batchesCopyAndNoticesWork() throws Exception {
        try (Connection a = client("a", null); Connection b = client("b", null)) {
            Statement s = a.createStatement();
            s.execute("DROP TABLE IF EXISTS tx_batch; CREATE TABLE tx_batch(i int primary key, t text)");
            try (PreparedStatement ps = a.prepareStatement("INSERT INTO tx_batch VALUES (?, 'x')")) {
                for (int i = 0; i < 300; i++) {
                    ps.setInt(1, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            assertEquals("300", scalar(b, "SELECT count(*) FROM tx_batch"));
            CopyManager copy = ((PGConnection) a).getCopyAPI();
            assertEquals(2, copy.copyIn("COPY tx_batch FROM STDIN", new StringReader("1000\ty\n1001\tz\n")));
            StringWriter out = new StringWriter();
            assertEquals(302, copy.copyOut("COPY tx_batch TO STDOUT", out));
            s.execute("DO $$ BEGIN RAISE NOTICE 'notice in transaction mode'; END $$");
            assertNotNull(s.getWarnings());
            assertTrue(s.getWarnings().getMessage().contains("notice in transaction mode"));
        }
    }

    @Test
    void cancelReachesTheRunningQueryAndCancelWhileWaitingEndsTheWait() throws Exception {
        try (Connection a = client("a", null); Connection watcher = postgres.connect("testdb", "postgres", null)) {
            Statement s = a.createStatement();
            CompletableFuture<SQLException> running = CompletableFuture.supplyAsync(() -> {
                try {
                    s.execute("SELECT pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            waitFor(watcher, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'", "1");
            // b waits for the only connection; cancelling b ends its wait, not a's query.
            try (Connection b = client("b", null)) {
                Statement bs = b.createStatement();
                CompletableFuture<SQLException> waiting = CompletableFuture.supplyAsync(() -> {
                    try {
                        bs.execute("SELECT 'b'");
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                Thread.sleep(300);
                bs.cancel();
                SQLException bErr = waiting.get(10, TimeUnit.SECONDS);
                assertNotNull(bErr);
                assertEquals("57014", bErr.getSQLState());
                assertEquals("1", scalar(watcher, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"),
                        "a's query still runs");
                s.cancel();
                SQLException aErr = running.get(20, TimeUnit.SECONDS);
                assertNotNull(aErr);
                assertEquals("57014", aErr.getSQLState());
                assertEquals("b again", scalar(b, "SELECT 'b again'"));
            }
        }
    }

    @Test
    void concurrentClientsHammeringTwoConnectionsNeverMixUp() throws Exception {
        harness.close();
        harness = PoolerHarness.start(postgres, "transaction", "", 2, "connect_timeout = 10000");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                final int id = t;
                results.add(pool.submit(() -> {
                    try (Connection c = client("worker-" + id, "-c statement_timeout=" + (12345 + id))) {
                        int ok = 0;
                        for (int i = 0; i < 40; i++) {
                            assertEquals("worker-" + id, scalar(c, "SHOW application_name"));
                            assertEquals((12345 + id) + "ms", scalar(c, "SHOW statement_timeout"));
                            c.setAutoCommit(false);
                            String x1 = scalar(c, "SELECT txid_current()");
                            assertEquals(x1, scalar(c, "SELECT txid_current()"));
                            c.commit();
                            c.setAutoCommit(true);
                            ok++;
                        }
                        return ok;
                    }
                }));
            }
            for (Future<Integer> r : results) {
                assertEquals(40, r.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aServerLostUnderAnAutocommitStatementCostsThatStatementNotTheConnection() throws Exception {
        try (Connection a = client("survivor", null); Connection direct = postgres.connect("testdb", "postgres", null)) {
            Statement s = a.createStatement();
            CompletableFuture<SQLException> running = CompletableFuture.supplyAsync(() -> {
                try {
                    s.execute("SELECT pg_sleep(20)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            waitFor(direct, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'", "1");
            direct.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)'");
            SQLException e = running.get(20, TimeUnit.SECONDS);
            assertNotNull(e, "the statement that ran on the lost server fails");
            assertFalse(a.isClosed());
            assertEquals("still here", scalar(a, "SELECT 'still here'"), "the client's next transaction gets another server");
        }
    }

    @Test
    void aServerLostInsideATransactionBlockEndsTheClientConnection() throws Exception {
        try (Connection a = client("in-tx", null); Connection direct = postgres.connect("testdb", "postgres", null)) {
            a.setAutoCommit(false);
            String pid = scalar(a, "SELECT pg_backend_pid()");
            direct.createStatement().execute("SELECT pg_terminate_backend(" + pid + ")");
            // Its transaction is gone; carrying on elsewhere would silently run the rest outside it.
            assertThrows(SQLException.class, () -> scalar(a, "SELECT 1"));
        }
    }

    @Test
    void userStatementTimeoutEndsAStuckRequestWithPgcatSemantics() throws Exception {
        harness.close();
        harness = PoolerHarness.start(postgres, "transaction", "", 1, "connect_timeout = 5000", "statement_timeout = 500");
        try (Connection a = client("slow", null)) {
            SQLException e = assertThrows(SQLException.class, () -> scalar(a, "SELECT pg_sleep(5)"));
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("pool statement timeout"), e.getMessage());
        }
        try (Connection b = client("next", null)) {
            assertEquals("1", scalar(b, "SELECT 1"), "the pool goes on with a fresh server connection");
        }
    }

    @Test
    void idleClientInTransactionTimeoutFreesTheServer() throws Exception {
        harness.close();
        harness = PoolerHarness.start(postgres, "transaction", "", 1, "connect_timeout = 5000\nidle_client_in_transaction_timeout = 300");
        try (Connection a = client("idler", null)) {
            a.setAutoCommit(false);
            scalar(a, "SELECT 1");
            try (Connection b = client("waiter", null)) {
                assertEquals("b", scalar(b, "SELECT 'b'"), "b gets the server once a's idle transaction is ended");
            }
            SQLException e = assertThrows(SQLException.class, () -> scalar(a, "SELECT 2"));
            assertNotNull(e.getSQLState());
        }
    }

    /**
     * Found by ProtocolFuzzIT: frames that arrive while the client waits for a server are sent
     * from the checkout's listener, and a decode error there escaped into Netty's promise (logged
     * as "An exception was thrown by ...") instead of reaching the client, which hung with the
     * server checked out. It must end like a malformed message on an attached server: 08P01.
     */
    @Test
    void aMalformedMessageThatWaitedForTheServerEndsInAProtocolViolation() throws Exception {
        try (Connection holder = client(null, null); WireClient waiting = new WireClient(harness.port)) {
            waiting.send(new StartupMessage(
                    StartupMessage.PROTOCOL_3_0,
                    Map.of("user", "md5user", "database", "testdb"))::encode);
            var md5 = (AuthenticationMD5Password) waiting.read();
            waiting.send(new PasswordMessage(
                    Md5Password.clientResponse("md5user", "md5pass", md5.salt()))::encode);
            waiting.readUntil(ReadyForQuery.class);
            holder.setAutoCommit(false);
            assertEquals("1", scalar(holder, "SELECT 1")); // the only server, held in a transaction
            // A query, which waits for the server, and in the same write a Close of subtype 0x00.
            waiting.send(out -> {
                new Query("SELECT 2").encode(out);
                out.writeByte('C').writeInt(6).writeByte(0).writeByte(0);
            });
            // Only once the pooler has the query waiting does the commit hand the server over.
            io.pgrudder.core.pool.Pool pool = harness.pooler.pooler().pools().find("testdb", "md5user").orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.stats().get(10, TimeUnit.SECONDS).waiting() == 0) {
                assertTrue(System.nanoTime() < deadline, "the query never waited for the server");
            }
            holder.commit(); // the server goes to the waiting client, which sends what it held
            ErrorResponse error = waiting.readUntil(ErrorResponse.class);
            assertEquals("08P01", error.sqlState());
            assertTrue(error.message().contains("Close"), error.message());
            assertTrue(waiting.closedByServer());
            assertEquals("3", scalar(holder, "SELECT 3")); // and the pool still serves
            holder.commit();
        }
    }
}
