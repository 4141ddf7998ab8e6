package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State one client leaves on a shared server connection must not reach the next (issue 10,
 * "state that leaks"). pool_size 1, transaction mode, the pool user a superuser, as an
 * application that switches users would run it.
 */
@ExtendWith(PostgresExtension.class)
class SessionStateLeakIT {

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    @Test
    void setSessionAuthorizationDoesNotOutliveTheClient(PostgresServer postgres) throws Exception {
        postgres.execute("DROP ROLE IF EXISTS leak_bob; CREATE ROLE leak_bob");
        int port = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"

                [pools.testdb]
                pool_mode = "transaction"

                [pools.testdb.users.0]
                username = "postgres"
                auth_type = "trust"
                pool_size = 1

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["127.0.0.1", %d, "primary"]]
                """.formatted(port, postgres.port());
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("sslmode", "disable");
        p.setProperty("socketTimeout", "30");
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
        try (PgrudderServer ignored = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("leak.toml"), Map.of()))) {
            try (Connection a = DriverManager.getConnection(url, p)) {
                a.setAutoCommit(false);
                try (Statement s = a.createStatement()) {
                    s.execute("SET SESSION AUTHORIZATION leak_bob");
                }
                assertEquals("leak_bob", scalar(a, "SELECT session_user"), "A runs as bob, as it asked");
                a.commit();
                a.setAutoCommit(true);
                try (Statement s = a.createStatement()) {
                    s.execute("RESET ALL");
                    s.execute("RESET ROLE"); // neither undoes SET SESSION AUTHORIZATION
                }
                // Carrying it into A's later transactions is issue 10's work; here it must not leak.
            }
            try (Connection b = DriverManager.getConnection(url, p)) {
                assertEquals("postgres", scalar(b, "SELECT session_user"), "B runs as itself, not as A's bob");
                assertEquals("postgres", scalar(b, "SELECT current_user"));
            }
        } finally {
            postgres.execute("DROP ROLE IF EXISTS leak_bob");
        }
    }
}
