package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

import static io.pgrudder.server.SessionPoolingIT.scalar;
import static io.pgrudder.server.SessionPoolingIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's janitor and hand-out checks: min_pool_size, health checks, connect failures. */
@ExtendWith(PostgresExtension.class)
class PoolMaintenanceIT {

    @Test
    void serverConnectionsCarryPgcatsKeepaliveAndUserTimeoutSettings(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "session", "", 2,
                "tcp_keepalives_idle = 7\ntcp_keepalives_interval = 3\ntcp_keepalives_count = 4\ntcp_user_timeout = 4321");
             Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals("1", scalar(c, "SELECT 1"));
            io.pgrudder.core.pool.Pool pool = harness.pooler.pooler().pools().find("testdb", "md5user").orElseThrow();
            java.util.List<io.pgrudder.core.backend.ServerConnection> servers = pool.servers().get();
            assertEquals(1, servers.size());
            io.netty.channel.ChannelConfig config = servers.get(0).channel().config();
            assertEquals(Boolean.TRUE, config.getOption(io.netty.channel.ChannelOption.SO_KEEPALIVE));
            if (io.pgrudder.core.net.Transport.isEpoll()) {
                assertEquals(7, config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE));
                assertEquals(3, config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL));
                assertEquals(4, config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT));
                assertEquals(4321, config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_USER_TIMEOUT));
            }
        }
    }

    @Test
    void minPoolSizeIsKeptWarmWithoutAnyClient(PostgresServer postgres) throws Exception {
        String since;
        try (Connection direct = postgres.connect("testdb", "postgres", null)) {
            since = scalar(direct, "SELECT now()::text");
        }
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 3, "", "min_pool_size = 2");
             Connection direct = postgres.connect("testdb", "postgres", null)) {
            waitFor(direct, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'md5user' AND backend_start >= '"
                    + since + "'", "2");
            assertTrue(harness.port > 0);
        }
    }

    @Test
    void aConnectionIdleLongerThanHealthcheckDelayIsTestedBeforeItIsHandedOut(PostgresServer postgres) throws Exception {
        postgres.execute("ALTER ROLE trustuser SET log_statement = 'all'");
        postgres.execute("ALTER ROLE trustuser SET log_min_messages = 'log'");
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "healthcheck_delay = 100")) {
            try (Connection c = harness.connect("trustuser", null)) {
                assertEquals("1", scalar(c, "SELECT 1"));
                Thread.sleep(400);
                long before = Files.size(postgres.logFile());
                assertEquals("2", scalar(c, "SELECT 2"));
                String log = Files.readString(postgres.logFile()).substring((int) before);
                int check = log.indexOf("statement: ;");
                int query = log.indexOf("statement: SELECT 2");
                assertTrue(check >= 0 && (query < 0 || check < query), "an empty query ran before the client's:\n" + log);
            }
        } finally {
            postgres.execute("ALTER ROLE trustuser RESET log_statement");
            postgres.execute("ALTER ROLE trustuser RESET log_min_messages");
        }
    }

    @Test
    void anUnreachableServerIsRetriedUntilConnectTimeoutThenReported(PostgresServer postgres) throws Exception {
        int port = PoolerHarness.freePort();
        int dead = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 800

                [pools.testdb]
                pool_mode = "transaction"

                [pools.testdb.users.0]
                username = "trustuser"
                auth_type = "trust"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["127.0.0.1", %d, "primary"]]
                """.formatted(port, dead);
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("dead.toml"), Map.of()))) {
            Properties p = new Properties();
            p.setProperty("user", "trustuser");
            p.setProperty("sslmode", "disable");
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p).close());
            assertEquals("08001", e.getSQLState());
            assertTrue(e.getMessage().contains("could not connect to server 127.0.0.1:" + dead), e.getMessage());
        }
    }
}
