package io.pgrudder.server;

import io.pgrudder.core.testing.CuttingProxy;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request is sent again only when the server proved it ran none of it (a FATAL shutdown as its
 * first message, from a server that is going away: see PatroniPoolerIT for the switchover). Every
 * other loss is the client's to know about, as on a direct connection: a connection cut before
 * the reply (the request may have committed) ends in 08007, an operator's pg_terminate_backend in
 * its 57P01, a backend crash in 08007 and no second crash. In transaction mode the client's
 * connection survives each of them.
 */
@ExtendWith(PostgresExtension.class)
class ReplayIT {
    private static final int ROUNDS = 12;

    private static io.pgrudder.core.config.PoolerConfig config(int port, int serverPort) throws Exception {
        return PoolerHarness.singleServer(port, serverPort, "transaction", 1);
    }

    private static Properties client() {
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.MD5_USER);
        p.setProperty("password", PostgresServer.MD5_PASSWORD);
        p.setProperty("sslmode", "disable");
        p.setProperty("prepareThreshold", "0"); // Parse/Bind/Describe/Execute/Sync in one write
        p.setProperty("socketTimeout", "60"); // a lost request fails the test instead of hanging it
        return p;
    }

    @Test
    void aRequestLostWithItsConnectionIsNeverSentAgain(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS replayed; CREATE TABLE replayed (id serial PRIMARY KEY, n int);"
                + " GRANT ALL ON replayed, replayed_id_seq TO PUBLIC");
        int port = PoolerHarness.freePort();
        int acknowledged = 0;
        int unknown = 0;
        try (CuttingProxy proxy = new CuttingProxy(postgres.host(), postgres.port());
             PgrudderServer ignored = PgrudderServer.start(config(port, proxy.port()));
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", client());
             PreparedStatement insert = c.prepareStatement("INSERT INTO replayed (n) VALUES (?) RETURNING id")) {
            for (int round = 0; round < ROUNDS; round++) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1"); // the pool's one server connection, idle in the pool again
                }
                proxy.cutConnectionsOpenNow();
                insert.setInt(1, round);
                try (ResultSet rs = insert.executeQuery()) {
                    assertTrue(rs.next(), "round " + round);
                    acknowledged++;
                } catch (SQLException e) {
                    assertEquals("08007", e.getSQLState(), "round " + round + ": " + e.getMessage());
                    unknown++;
                }
                // The client's connection is not lost with the server's.
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
                    assertTrue(rs.next());
                    assertEquals(2, rs.getInt(1));
                }
            }
            // A cut may also hit the pooler's own bytes (a health check, a cleanup) rather than a request.
            assertTrue(unknown > 0 && unknown <= proxy.cut(), unknown + " unknown outcomes, " + proxy.cut() + " cuts");
            assertEquals(ROUNDS, acknowledged + unknown);
        }
        try (Connection direct = postgres.connect("testdb", PostgresServer.SUPERUSER, null);
             Statement s = direct.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT n) FROM replayed")) {
            assertTrue(rs.next());
            // The proxy drops what reached a cut connection: an unknown outcome here is "not run".
            assertEquals(acknowledged, rs.getInt(1), "only acknowledged inserts are stored, none twice");
            assertEquals(acknowledged, rs.getInt(2));
        } finally {
            postgres.execute("DROP TABLE replayed");
        }
    }

    /**
     * Row 1 of issue 9: the connection to the server is cut while the INSERT runs; PostgreSQL
     * finishes it and commits (it notices the lost client only when it writes). Sending it again
     * stored it twice; the client is told 08007 instead, and the row is there once.
     */
    @Test
    void aStatementCutOffMidwayIsNotSentAgain(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS cut_midway; CREATE TABLE cut_midway (n int); GRANT ALL ON cut_midway TO PUBLIC");
        int port = PoolerHarness.freePort();
        try (CuttingProxy proxy = new CuttingProxy(postgres.host(), postgres.port());
             PgrudderServer ignored = PgrudderServer.start(config(port, proxy.port()));
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", client());
             Connection direct = postgres.connect("testdb", PostgresServer.SUPERUSER, null)) {
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO cut_midway SELECT 7 FROM pg_sleep(2)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            int pid = awaitBackend(direct, "pg_sleep(2)");
            proxy.cutNow();
            SQLException e = outcome.get(30, TimeUnit.SECONDS);
            assertTrue(e != null, "no success for a statement whose reply was lost");
            assertEquals("08007", e.getSQLState(), e.getMessage());
            // The backend finishes its INSERT, then finds its client gone.
            awaitTrue("backend " + pid + " ends", () -> {
                try (Statement s = direct.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
                    return rs.next() && rs.getInt(1) == 0;
                } catch (SQLException ex) {
                    throw new AssertionError(ex);
                }
            });
            try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM cut_midway")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "stored once, by the one run the client was told may have happened");
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
                assertTrue(rs.next(), "the client's connection goes on");
            }
        } finally {
            postgres.execute("DROP TABLE cut_midway");
        }
    }

    @Test
    void anOperatorCanStopAStatement(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS stopped; CREATE TABLE stopped (n int); GRANT ALL ON stopped TO PUBLIC");
        int port = PoolerHarness.freePort();
        try (PgrudderServer ignored = PgrudderServer.start(config(port, postgres.port()));
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", client());
             Connection direct = postgres.connect("testdb", PostgresServer.SUPERUSER, null)) {
            CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO stopped SELECT 7 FROM pg_sleep(60)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            int pid = awaitBackend(direct, "pg_sleep(60)");
            try (Statement s = direct.createStatement()) {
                s.execute("SELECT pg_terminate_backend(" + pid + ")");
            }
            SQLException e = outcome.get(30, TimeUnit.SECONDS);
            assertTrue(e != null, "the terminated statement did not run again elsewhere and succeed");
            assertEquals("57P01", e.getSQLState(), e.getMessage());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM stopped")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1), "nothing stored: the statement ran once and was stopped");
            }
        } finally {
            postgres.execute("DROP TABLE stopped");
        }
    }

    /** A statement that crashes its backend is not sent again: the server crash-restarts once, not six times. */
    @Test
    void aStatementThatCrashedItsBackendIsNotSentAgain() throws Exception {
        try (PostgresServer own = PostgresServer.start()) {
            int port = PoolerHarness.freePort();
            try (PgrudderServer ignored = PgrudderServer.start(config(port, own.port()));
                 Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", client())) {
                CompletableFuture<SQLException> outcome = CompletableFuture.supplyAsync(() -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT 42, pg_sleep(60)");
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                int pid;
                try (Connection direct = own.connect("testdb", PostgresServer.SUPERUSER, null)) {
                    pid = awaitBackend(direct, "pg_sleep(60)");
                }
                Process kill = new ProcessBuilder("kill", "-SEGV", Integer.toString(pid)).inheritIO().start();
                assertEquals(0, kill.waitFor(), "kill -SEGV " + pid);
                SQLException e = outcome.get(30, TimeUnit.SECONDS);
                assertTrue(e != null, "the crashed statement is not reported as a success");
                assertEquals("08007", e.getSQLState(), e.getMessage());
                // After the crash recovery the same client connection goes on.
                awaitTrue("the server accepts connections again after its crash", () -> {
                    try (Connection probe = own.connect("testdb", PostgresServer.SUPERUSER, null)) {
                        return probe.isValid(5);
                    } catch (SQLException notYet) {
                        return false;
                    }
                });
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
                    assertTrue(rs.next());
                }
            }
            String log = Files.readString(own.logFile());
            assertEquals(1, log.split("was terminated by signal 11", -1).length - 1,
                    "one crash, not one per replay:\n" + log);
        }
    }

    private static int awaitBackend(Connection direct, String running) throws SQLException {
        int[] pid = {0};
        awaitTrue("a backend runs " + running, () -> {
            try (PreparedStatement q = direct.prepareStatement(
                    "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || ? || '%' AND pid <> pg_backend_pid()")) {
                q.setString(1, running);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        pid[0] = rs.getInt(1);
                        return true;
                    }
                    return false;
                }
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        return pid[0];
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        Await.until(what, condition, Duration.ofSeconds(60));
    }
}
