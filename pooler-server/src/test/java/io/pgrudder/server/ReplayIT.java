package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request sent on a server connection that dies before reading it (the idle backends of a
 * leader being switched over) is sent again on another connection, whole: every message of an
 * extended-protocol request (Parse, Bind, Describe, Execute, Sync), also those that reached the
 * pooler after the connection was attached. Losing the tail would leave the resent Parse waiting
 * for a Sync that never comes, and the client waiting forever.
 */
@ExtendWith(PostgresExtension.class)
class ReplayIT {

    @Test
    void aWholeExtendedRequestIsResentWhenItsServerDiesBeforeReadingIt(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS replayed; CREATE TABLE replayed (id serial PRIMARY KEY, n int);"
                + " GRANT ALL ON replayed, replayed_id_seq TO PUBLIC");
        int port = PoolerHarness.freePort();
        try (CuttingProxy proxy = new CuttingProxy(postgres.host(), postgres.port())) {
            String toml = """
                    [general]
                    host = "127.0.0.1"
                    port = %d
                    admin_username = "admin"
                    admin_password = "admin-secret"
                    connect_timeout = 5000

                    [pools.testdb]
                    pool_mode = "transaction"

                    [pools.testdb.users.0]
                    username = "md5user"
                    password = "md5pass"
                    pool_size = 4

                    [pools.testdb.shards.0]
                    database = "testdb"
                    servers = [["127.0.0.1", %d, "primary"]]
                    """.formatted(port, proxy.port());
            Properties p = new Properties();
            p.setProperty("user", PostgresServer.MD5_USER);
            p.setProperty("password", PostgresServer.MD5_PASSWORD);
            p.setProperty("sslmode", "disable");
            p.setProperty("prepareThreshold", "0"); // Parse/Bind/Describe/Execute/Sync in one write
            p.setProperty("socketTimeout", "20"); // a lost request fails the test instead of hanging it
            try (PgrudderServer ignored = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("replay.toml"), Map.of()))) {
                // Many rounds: whether the first message finds a connection at once (the tail then
                // arrives after the attach) depends on which thread the pool and the client are on.
                for (int round = 0; round < 12; round++) {
                    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p);
                         PreparedStatement insert = c.prepareStatement("INSERT INTO replayed (n) VALUES (?) RETURNING id")) {
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1"); // a server connection, idle in the pool again
                        }
                        proxy.cutConnectionsOpenNow();
                        insert.setInt(1, round);
                        try (ResultSet rs = insert.executeQuery()) {
                            assertTrue(rs.next(), "round " + round);
                        }
                    }
                }
            }
            assertTrue(proxy.cut() >= 12, "every round lost its first attempt: " + proxy.cut());
        }
        try (Connection direct = postgres.connect("testdb", PostgresServer.SUPERUSER, null);
             Statement s = direct.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT n) FROM replayed")) {
            assertTrue(rs.next());
            assertEquals(12, rs.getInt(1), "each insert ran exactly once");
            assertEquals(12, rs.getInt(2));
        } finally {
            postgres.execute("DROP TABLE replayed");
        }
    }
}
