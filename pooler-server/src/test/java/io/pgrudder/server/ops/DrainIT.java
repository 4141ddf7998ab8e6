package io.pgrudder.server.ops;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM on a real {@code bin/pgrudder} process: the drain, seen from clients, the admin console and /readyz. */
@ExtendWith(PostgresExtension.class)
class DrainIT {
    @Test
    void sigtermDrainsThenExitsZero(PostgresServer postgres) throws Exception {
        OpsHarness harness = new OpsHarness(postgres, "shutdown_grace_period = 1500\nshutdown_timeout = 15000", 3);
        Path log = Files.createTempFile("pgrudder-drain", ".log");
        Process process = harness.startProcess(log);
        try {
            harness.awaitReady(java.time.Duration.ofSeconds(30));
            Connection idle = harness.connect("testdb");
            pid(idle);
            Connection inTx = harness.connect("testdb");
            inTx.setAutoCommit(false);
            int txPid = pid(inTx);
            Connection admin = harness.admin("pgcat");

            process.destroy(); // SIGTERM
            long signalled = System.nanoTime();
            // The JVM runs its signal handler on a thread of its own: wait for it, not for a time.
            int ready = harness.get("/readyz").statusCode();
            for (int i = 0; i < 100 && ready != 503; i++) {
                Thread.sleep(10);
                ready = harness.get("/readyz").statusCode();
            }
            assertEquals(503, ready, "not ready once the signal is handled");

            try (Connection late = harness.connect("testdb")) {
                pid(late); // the listener still accepts during the grace period
            }
            Thread.sleep(1300);
            assertEquals(txPid, pid(inTx), "a transaction in flight carries on past the idle limit");
            inTx.commit();
            assertTrue(rowCount(admin, "SHOW POOLS") >= 2, "admin works during the drain");

            SQLException cut = assertThrows(SQLException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    pid(idle);
                    Thread.sleep(1200); // idle longer than the drain tolerates
                }
            });
            assertTrue(cut.getSQLState().equals("57P01") || cut.getSQLState().startsWith("08"), cut.getSQLState());

            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "exited");
            assertEquals(0, process.exitValue(), Files.readString(log));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
            assertTrue(took >= 1500, "the listener stayed for the grace period: " + took);
            String output = Files.readString(log);
            assertTrue(output.contains("draining"), output);
            admin.close();
        } finally {
            process.destroyForcibly();
            harness.delete();
        }
    }

    @Test
    void aSecondSignalStopsAtOnce(PostgresServer postgres) throws Exception {
        OpsHarness harness = new OpsHarness(postgres, "shutdown_grace_period = 5000\nshutdown_timeout = 60000", 2);
        Path log = Files.createTempFile("pgrudder-drain", ".log");
        Process process = harness.startProcess(log);
        try {
            harness.awaitReady(java.time.Duration.ofSeconds(30));
            try (Connection inTx = harness.connect("testdb")) {
                inTx.setAutoCommit(false);
                pid(inTx);
                process.destroy();
                Thread.sleep(300);
                assertTrue(process.isAlive(), "still draining");
                process.destroy();
                assertTrue(process.waitFor(5, TimeUnit.SECONDS), "a second SIGTERM ends it");
                assertEquals(0, process.exitValue());
            }
        } finally {
            process.destroyForcibly();
            harness.delete();
        }
    }

    private static int rowCount(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }

    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
