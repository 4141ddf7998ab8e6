package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.testing.PostgresServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * An in-process pgrudder in front of the test PostgreSQL, configured from a pgcat.toml text.
 * Pool {@code testdb} (and {@code aliasdb}, mapped to the real database testdb) has the fixture's
 * users: md5user (md5), scramuser (scram-sha-256), trustuser (trust).
 */
final class PoolerHarness implements AutoCloseable {
    final PostgresServer postgres;
    final PgrudderServer pooler;
    final int port;

    private PoolerHarness(PostgresServer postgres, PgrudderServer pooler, int port) {
        this.postgres = postgres;
        this.pooler = pooler;
        this.port = port;
    }

    static PoolerHarness start(PostgresServer postgres, String poolExtra, int poolSize, String generalExtra) throws Exception {
        return start(postgres, "session", poolExtra, poolSize, generalExtra);
    }

    static PoolerHarness start(PostgresServer postgres, String poolMode, String poolExtra, int poolSize,
                               String generalExtra) throws Exception {
        return start(postgres, poolMode, poolExtra, poolSize, generalExtra, "");
    }

    /** {@code md5UserExtra} goes into md5user's own section (e.g. statement_timeout). */
    static PoolerHarness start(PostgresServer postgres, String poolMode, String poolExtra, int poolSize,
                               String generalExtra, String md5UserExtra) throws Exception {
        int port = freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                %s

                [pools.testdb]
                pool_mode = "%s"
                %s

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                auth_type = "md5"
                pool_size = %d
                %s

                [pools.testdb.users.1]
                username = "scramuser"
                password = "scrampass"
                auth_type = "scram-sha-256"
                pool_size = %d

                [pools.testdb.users.2]
                username = "trustuser"
                auth_type = "trust"
                pool_size = %d

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]

                [pools.aliasdb]
                pool_mode = "session"

                [pools.aliasdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.aliasdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, generalExtra.contains("connect_timeout") ? generalExtra
                        : "connect_timeout = 1000\n" + generalExtra, poolMode, poolExtra, poolSize, md5UserExtra, poolSize, poolSize,
                postgres.host(), postgres.port(), postgres.host(), postgres.port());
        PoolerConfig config = ConfigLoader.parse(toml, Path.of("test-pgcat.toml"), Map.of());
        return new PoolerHarness(postgres, PgrudderServer.start(config), port);
    }

    /**
     * A pgcat.toml with one pool, {@code testdb}, for md5user, whose one server is at
     * {@code serverPort} (PostgreSQL itself or a proxy in front of it).
     */
    static io.pgrudder.core.config.PoolerConfig singleServer(int port, int serverPort, String poolMode, int poolSize)
            throws io.pgrudder.core.config.ConfigException {
        return ConfigLoader.parse("""
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 5000

                [pools.testdb]
                pool_mode = "%s"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = %d

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["127.0.0.1", %d, "primary"]]
                """.formatted(port, poolMode, poolSize, serverPort), Path.of("single-server.toml"), Map.of());
    }

    static PoolerHarness start(PostgresServer postgres, int poolSize) throws Exception {
        return start(postgres, "", poolSize, "");
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    Connection connect(String user, String password) throws SQLException {
        return connect("testdb", user, password, new Properties());
    }

    Connection connect(String database, String user, String password, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.putIfAbsent("sslmode", "disable");
        p.putIfAbsent("connectTimeout", "10");
        return DriverManager.getConnection(url(database), p);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        pooler.close();
    }
}
