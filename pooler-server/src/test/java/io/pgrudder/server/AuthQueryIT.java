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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Roles created at test time, not in the TOML, log in through auth_query (PgBouncer's default
 * query) with md5 and SCRAM secrets; wrong password, unknown role, NOLOGIN and an expired role all
 * get the same 28P01. PostgreSQL checks the roles' passwords too (pg_hba md5 for the fixture's
 * password group), so the pooler's server logins pass the md5 secret or the client's SCRAM keys
 * through; in transaction mode two transactions at once make it open a second server connection.
 */
@ExtendWith(PostgresExtension.class)
class AuthQueryIT {
    private static final String QUERY = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END"
            + " FROM pg_authid WHERE rolname=$1 AND rolcanlogin";

    @Test
    void rolesOnlyThePostgresKnowsLogIn(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_scram, aq_md5, aq_nologin, aq_expired");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_scram LOGIN PASSWORD 'scram-secret'");
            s.execute("CREATE ROLE aq_nologin NOLOGIN PASSWORD 'nologin-secret'");
            s.execute("CREATE ROLE aq_expired LOGIN PASSWORD 'expired-secret' VALID UNTIL '2001-01-01'");
            s.execute("SET password_encryption = 'md5'");
            s.execute("CREATE ROLE aq_md5 LOGIN PASSWORD 'md5-secret'");
            s.execute("GRANT ALL ON DATABASE testdb TO aq_scram, aq_md5");
            // PostgreSQL checks their passwords too: the pooler's server logins pass the secret through.
            s.execute("GRANT " + PostgresServer.PASSWORD_GROUP + " TO aq_scram, aq_md5");
        }
        // PostgreSQL itself checks these roles' passwords, so the pooler cannot get in without them.
        SQLException direct = assertThrows(SQLException.class, () -> postgres.connect("testdb", "aq_scram", "wrong").close());
        assertEquals("28P01", direct.getSQLState());
        int port = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                auth_query = "%s"
                auth_query_user = "postgres"
                auth_query_password = "unused"
                auth_query_cache_ttl = 0

                [pools.testdb]
                pool_mode = "transaction"
                auth_query_pool_size = 2

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, QUERY, postgres.host(), postgres.port());
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq.toml"), Map.of()))) {
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
            assertEquals("aq_scram", currentUser(url, "aq_scram", "scram-secret"));
            for (String[] user : new String[][]{{"aq_scram", "scram-secret"}, {"aq_md5", "md5-secret"}}) {
                Properties p = props(user[0], user[1]);
                try (Connection a = DriverManager.getConnection(url, p); Connection b = DriverManager.getConnection(url, p)) {
                    a.setAutoCommit(false);
                    b.setAutoCommit(false);
                    int pidA = pid(a);
                    int pidB = pid(b);
                    assertNotEquals(pidA, pidB, "two transactions at once hold two server connections");
                    a.commit();
                    b.commit();
                }
            }
            assertEquals("aq_md5", currentUser(url, "aq_md5", "md5-secret"));
            assertEquals("md5user", currentUser(url, "md5user", "md5pass"));
            for (String[] bad : new String[][]{{"aq_scram", "wrong"}, {"aq_md5", "wrong"}, {"aq_nobody", "x"},
                    {"aq_nologin", "nologin-secret"}, {"aq_expired", "expired-secret"}}) {
                SQLException e = assertThrows(SQLException.class, () -> currentUser(url, bad[0], bad[1]), bad[0]);
                assertEquals("28P01", e.getSQLState(), bad[0] + ": " + e.getMessage());
                assertEquals("FATAL: password authentication failed for user \"" + bad[0] + "\"", e.getMessage().strip());
            }
            // auth_query_cache_ttl = 0: a changed password counts at the next login.
            postgres.connect("postgres", PostgresServer.SUPERUSER, null).createStatement()
                    .execute("SET password_encryption = 'scram-sha-256'; ALTER ROLE aq_md5 PASSWORD 'changed-secret'");
            assertEquals("28P01", assertThrows(SQLException.class, () -> currentUser(url, "aq_md5", "md5-secret")).getSQLState());
            assertEquals("aq_md5", currentUser(url, "aq_md5", "changed-secret"));
        }
    }

    @Test
    void aWrongAuthQueryUserPasswordIsA28P01ForTheClient(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_auth, aq_victim");
            s.execute("CREATE ROLE aq_auth LOGIN SUPERUSER PASSWORD 'auth-secret' IN ROLE " + PostgresServer.PASSWORD_GROUP);
            s.execute("CREATE ROLE aq_victim LOGIN PASSWORD 'victim-secret'");
        }
        int port = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"

                [pools.testdb]
                auth_query = "%s"
                auth_query_user = "aq_auth"
                auth_query_password = "not-the-password"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, QUERY, postgres.host(), postgres.port());
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq.toml"), Map.of()))) {
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
            SQLException e = assertThrows(SQLException.class, () -> currentUser(url, "aq_victim", "victim-secret"));
            assertEquals("28P01", e.getSQLState());
            assertEquals("FATAL: password authentication failed for user \"aq_victim\"", e.getMessage().strip());
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Properties props(String user, String password) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("sslmode", "disable");
        return p;
    }

    private static String currentUser(String url, String user, String password) throws SQLException {
        Properties p = props(user, password);
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
