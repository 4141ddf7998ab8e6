package io.pgrudder.core.testing;

import static io.pgrudder.core.testing.PostgresServer.MD5_PASSWORD;
import static io.pgrudder.core.testing.PostgresServer.MD5_USER;
import static io.pgrudder.core.testing.PostgresServer.SCRAM_PASSWORD;
import static io.pgrudder.core.testing.PostgresServer.SCRAM_USER;
import static io.pgrudder.core.testing.PostgresServer.TEST_DATABASE;
import static io.pgrudder.core.testing.PostgresServer.TRUST_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresServerIT {

    private static PostgresServer sharedAtStart;

    @BeforeAll
    static void rememberSharedServer(PostgresServer pg) {
        sharedAtStart = pg;
    }

    @Test
    void extensionSharesOneServer(PostgresServer pg) {
        assertSame(sharedAtStart, pg);
    }

    @Test
    void md5UserLogsInWithPasswordStoredAsMd5(PostgresServer pg) throws SQLException {
        assertEquals(MD5_USER, currentUser(pg, MD5_USER, MD5_PASSWORD));
        assertTrue(storedPassword(pg, MD5_USER).startsWith("md5"), "pg_authid should hold an MD5 hash");
    }

    @Test
    void scramUserLogsInWithPasswordStoredAsScram(PostgresServer pg) throws SQLException {
        assertEquals(SCRAM_USER, currentUser(pg, SCRAM_USER, SCRAM_PASSWORD));
        assertTrue(storedPassword(pg, SCRAM_USER).startsWith("SCRAM-SHA-256$"), "pg_authid should hold a SCRAM verifier");
    }

    @Test
    void trustUserLogsInWithoutPassword(PostgresServer pg) throws SQLException {
        assertEquals(TRUST_USER, currentUser(pg, TRUST_USER, null));
        assertNull(storedPassword(pg, TRUST_USER));
    }

    @Test
    void testUsersMayCreateTablesInTestdb(PostgresServer pg) throws SQLException {
        try (Connection c = pg.connect(TEST_DATABASE, SCRAM_USER, SCRAM_PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS fixture_probe (id int)");
            s.execute("DROP TABLE fixture_probe");
        }
    }

    @Test
    void wrongMd5PasswordIsRejectedWith28P01(PostgresServer pg) {
        SQLException e = assertThrows(SQLException.class, () -> pg.connect(TEST_DATABASE, MD5_USER, "not-" + MD5_PASSWORD));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void twoServersRunAtOnceAndCloseLeavesNothingBehind(PostgresServer shared) throws SQLException {
        PostgresServer second = PostgresServer.start(PostgresServer.Options.defaults().maxConnections(42));
        Path log;
        try {
            assertNotEquals(shared.port(), second.port());
            assertEquals("42", showSetting(second, "max_connections"));
            assertEquals("200", showSetting(shared, "max_connections"));
            assertEquals(TRUST_USER, currentUser(second, TRUST_USER, null));
            assertTrue(Files.exists(second.logFile()));
            log = second.logFile();
        } finally {
            second.close();
        }
        assertFalse(accepts(second.host(), second.port()), "closed server should not accept connections");
        assertFalse(Files.exists(log), "closed server's files should be gone");
        second.dataDir().ifPresent(dir -> assertFalse(Files.exists(dir.getParent()), dir.getParent() + " should be gone"));
        assertEquals(TRUST_USER, currentUser(shared, TRUST_USER, null), "the other server should be unaffected");
        second.close(); // a second close is harmless
    }

    private static String currentUser(PostgresServer pg, String user, String password) throws SQLException {
        try (Connection c = pg.connect(TEST_DATABASE, user, password);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String storedPassword(PostgresServer pg, String role) throws SQLException {
        try (Connection c = pg.connect(TEST_DATABASE, pg.superuser(), null);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'")) {
            assertTrue(rs.next(), "role " + role + " should exist");
            return rs.getString(1);
        }
    }

    private static String showSetting(PostgresServer pg, String name) throws SQLException {
        try (Connection c = pg.connect(TEST_DATABASE, pg.superuser(), null);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
