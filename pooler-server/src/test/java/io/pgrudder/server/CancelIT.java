package io.pgrudder.server;

import io.pgrudder.core.testing.CuttingProxy;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 13 of issue 9: a driver whose statement timeout fires sends a CancelRequest and waits for
 * that connection to close before its next statement; PostgreSQL closes it only after it
 * signalled the backend. pgrudder closed it at once, before its own cancel reached the server,
 * so the cancel landed on the next statement. Here the cancel takes 300 ms to reach the server.
 */
@ExtendWith(PostgresExtension.class)
class CancelIT {

    @Test
    void aLateCancelNeverLandsOnTheNextStatement(PostgresServer postgres) throws Exception {
        int port = PoolerHarness.freePort();
        try (CuttingProxy proxy = new CuttingProxy(postgres.host(), postgres.port())) {
            proxy.delayCancelRequests(300);

            Properties p = new Properties();
            p.setProperty("user", PostgresServer.MD5_USER);
            p.setProperty("password", PostgresServer.MD5_PASSWORD);
            p.setProperty("sslmode", "disable");
            p.setProperty("socketTimeout", "30");
            try (PgrudderServer ignored = PgrudderServer.start(PoolerHarness.singleServer(port, proxy.port(), "session", 2));
                 Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p)) {
                for (int round = 0; round < 3; round++) {
                    // The timeout fires at 100 ms; the statement ends by itself at 200 ms, before the
                    // cancel arrives (400 ms): the driver must not go on until the cancel is over.
                    try (Statement s = c.createStatement()) {
                        s.unwrap(org.postgresql.jdbc.PgStatement.class).setQueryTimeoutMs(100);
                        s.execute("SELECT pg_sleep(0.2)");
                    } catch (SQLException e) {
                        assertEquals("57014", e.getSQLState(), e.getMessage());
                    }
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2 FROM pg_sleep(0.5)")) {
                        assertTrue(rs.next(), "round " + round);
                        assertEquals(2, rs.getInt(1));
                    }
                }
            }
        }
    }
}
