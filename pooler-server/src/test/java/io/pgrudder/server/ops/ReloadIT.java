package io.pgrudder.server.ops;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.server.PgrudderServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RELOAD and autoreload: unchanged pools keep their backends, changed ones move, bad configs are refused. */
@ExtendWith(PostgresExtension.class)
class ReloadIT {
    @Test
    void reloadKeepsUnchangedPoolsAndRejectsABadConfig(PostgresServer postgres) throws Exception {
        OpsHarness harness = new OpsHarness(postgres, "", 2);
        try (PgrudderServer server = harness.startInProcess();
             Connection other = harness.connect("otherdb");
             Connection test = harness.connect("testdb");
             Connection inTx = harness.connect("testdb");
             Connection admin = harness.admin("pgcat")) {
            int otherPid = pid(other);
            // A transaction is open on testdb's old pool while it is replaced: it must finish there.
            inTx.setAutoCommit(false);
            int inTxPid = pid(inTx);

            harness.write("", 3);
            try (Statement st = admin.createStatement()) {
                st.execute("RELOAD");
            }
            assertEquals(otherPid, pid(other), "otherdb did not change: same pool, same backend");
            assertEquals(inTxPid, pid(inTx), "the open transaction keeps its backend");
            inTx.commit();
            assertEquals("3", poolSize(admin, "testdb"));
            assertNotEquals(inTxPid, pid(inTx), "after its transaction, testdb's client uses the new pool");
            pid(test);

            Files.writeString(harness.configFile, "[general]\nport = \"not a number\"\n");
            try (Statement st = admin.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> st.execute("RELOAD"));
                assertTrue(e.getMessage().contains("RELOAD failed"), e.getMessage());
            }
            assertEquals("3", poolSize(admin, "testdb"));
            assertEquals(otherPid, pid(other));
        } finally {
            harness.delete();
        }
    }

    @Test
    void autoreloadPicksUpAChangedFile(PostgresServer postgres) throws Exception {
        OpsHarness harness = new OpsHarness(postgres, "autoreload = 200", 2);
        try (PgrudderServer server = harness.startInProcess(); Connection admin = harness.admin("pgcat")) {
            harness.write("autoreload = 200", 4);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"4".equals(poolSize(admin, "testdb")) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals("4", poolSize(admin, "testdb"));
        } finally {
            harness.delete();
        }
    }

    private static String poolSize(Connection admin, String db) throws SQLException {
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW DATABASES")) {
            while (rs.next()) {
                if (rs.getString("name").equals(db + "_shard_0_primary")) {
                    return rs.getString("pool_size");
                }
            }
        }
        return null;
    }

    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
