package io.pgrudder.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerLogin;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.config.ServerTlsMode;
import io.pgrudder.core.net.Transport;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.core.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS from pgrudder to PostgreSQL (pgcat's server_tls / verify_server_certificate, our
 * server_tls_sslmode / server_tls_ca_file) against a real PostgreSQL whose pg_hba.conf takes TCP
 * clients only over TLS, with a certificate for "localhost" signed by a throw-away CA.
 */
@ExtendWith(PostgresExtension.class)
class ServerTlsIT {
    private static final String SSL_OF_MY_BACKEND = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private static TestCertificates otherCa;
    private static PostgresServer tlsOnly;

    private PgrudderServer pooler;

    @BeforeAll
    static void startTlsOnlyServer() {
        certificates = TestCertificates.create(dir.resolve("ca"), "DNS:localhost");
        otherCa = TestCertificates.create(dir.resolve("other-ca"), "DNS:localhost");
        tlsOnly = PostgresServer.start(PostgresServer.Options.defaults()
                .ssl(certificates.serverCertificate(), certificates.serverKey())
                .hostsslOnly());
    }

    @AfterAll
    static void stopTlsOnlyServer() {
        if (tlsOnly != null) {
            tlsOnly.close();
        }
    }

    @AfterEach
    void stopPooler() {
        if (pooler != null) {
            pooler.close();
        }
    }

    @Test
    void serverTlsEncryptsEveryServerConnectionAndScramAndMd5LoginsWork() throws Exception {
        start("127.0.0.1", tlsOnly.port(), "transaction", "server_tls = true");
        for (String[] user : new String[][]{{"scramuser", "scrampass"}, {"md5user", "md5pass"}}) {
            try (Connection c = connect(user[0], user[1])) {
                assertEquals("t", scalar(c, SSL_OF_MY_BACKEND), user[0]);
                assertEquals(user[0], scalar(c, "SELECT current_user"));
            }
        }
    }

    @Test
    void verifyServerCertificateAcceptsTheRightCaAndHostName() throws Exception {
        start("localhost", tlsOnly.port(), "session",
                "server_tls = true\nverify_server_certificate = true\nserver_tls_ca_file = \"" + certificates.caCertificate() + "\"");
        try (Connection c = connect("scramuser", "scrampass")) {
            assertEquals("t", scalar(c, SSL_OF_MY_BACKEND));
        }
    }

    @Test
    void verifyServerCertificateRefusesACertificateFromAnotherCa() throws Exception {
        start("localhost", tlsOnly.port(), "session",
                "server_tls = true\nverify_server_certificate = true\nserver_tls_ca_file = \"" + otherCa.caCertificate() + "\"");
        SQLException e = failure("scramuser", "scrampass");
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("could not verify the certificate of server localhost:" + tlsOnly.port()
                + " (server_tls_sslmode \"verify-full\", CAs from server_tls_ca_file " + otherCa.caCertificate() + "): "),
                e.getMessage());
    }

    @Test
    void verifyServerCertificateRefusesACertificateForAnotherHostName() throws Exception {
        start("127.0.0.1", tlsOnly.port(), "transaction",
                "server_tls = true\nverify_server_certificate = true\nserver_tls_ca_file = \"" + certificates.caCertificate() + "\"");
        SQLException e = failure("md5user", "md5pass");
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("could not verify the certificate of server 127.0.0.1:" + tlsOnly.port()), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1 found"), "the JVM's reason names the address: " + e.getMessage());
    }

    @Test
    void verifyCaChecksTheChainButNotTheHostName() throws Exception {
        start("127.0.0.1", tlsOnly.port(), "transaction",
                "server_tls_sslmode = \"verify-ca\"\nserver_tls_ca_file = \"" + certificates.caCertificate() + "\"");
        try (Connection c = connect("md5user", "md5pass")) {
            assertEquals("t", scalar(c, SSL_OF_MY_BACKEND));
        }
    }

    @Test
    void withoutServerTlsTheServersOwnRefusalReachesTheClient() throws Exception {
        start("127.0.0.1", tlsOnly.port(), "transaction", "server_tls = false");
        SQLException e = failure("md5user", "md5pass");
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("no pg_hba.conf entry for host \"127.0.0.1\""), e.getMessage());
        assertTrue(e.getMessage().contains("no encryption"), e.getMessage());
    }

    @Test
    void serverTlsRefusesAServerWithoutTlsInsteadOfGoingPlaintext(PostgresServer plain) throws Exception {
        start(plain.host(), plain.port(), "transaction", "server_tls = true");
        SQLException e = failure("md5user", "md5pass");
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("server " + plain.host() + ":" + plain.port() + " does not accept TLS"), e.getMessage());
    }

    @Test
    void preferFallsBackToPlaintextAsPgcatDoes(PostgresServer plain) throws Exception {
        start(plain.host(), plain.port(), "transaction", "server_tls = true\nserver_tls_sslmode = \"prefer\"");
        try (Connection c = connect("md5user", "md5pass")) {
            assertEquals("f", scalar(c, SSL_OF_MY_BACKEND));
        }
    }

    @Test
    void cancelReachesAQueryRunningOverTls() throws Exception {
        start("127.0.0.1", tlsOnly.port(), "transaction", "server_tls = true");
        try (Connection c = connect("md5user", "md5pass");
             Connection watcher = tlsOnly.connect("testdb", PostgresServer.SUPERUSER, null)) {
            Statement s = c.createStatement();
            CompletableFuture<SQLException> running = CompletableFuture.supplyAsync(() -> {
                try {
                    s.execute("SELECT pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            String active = "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl l USING (pid)"
                    + " WHERE a.query = 'SELECT pg_sleep(30)' AND a.state = 'active' AND l.ssl";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!"1".equals(scalar(watcher, active)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("1", scalar(watcher, active), "the query runs on a TLS server connection");
            s.cancel();
            SQLException e = running.get(20, TimeUnit.SECONDS);
            assertNotNull(e, "the query was cancelled");
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertEquals("1", scalar(c, "SELECT 1"), "the client goes on");
        }
    }

    /** The login's standby check (fencing) and SCRAM, on a connection the pool would use for writes. */
    @Test
    void fencingAndScramRunOverTls() throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "server-tls-it");
        try {
            ServerTls tls = ServerTls.create(ServerTlsMode.VERIFY_FULL, certificates.caCertificate().toString());
            ServerLogin login = new ServerLogin(new ServerAddress("localhost", tlsOnly.port(), Role.PRIMARY), "testdb",
                    "scramuser", "scrampass", Map.of(), Duration.ofSeconds(10), true, tls);
            Future<ServerConnection> connected = new ServerConnector(1 << 20).connect(loops.next(), login)
                    .awaitUninterruptibly();
            assertTrue(connected.isSuccess(), String.valueOf(connected.cause()));
            ServerConnection server = connected.getNow();
            assertTrue(server.encrypted());
            assertEquals("off", server.parameters().get(ServerConnection.IN_HOT_STANDBY));
            server.channel().close().syncUninterruptibly();
        } finally {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void start(String host, int port, String poolMode, String general) throws Exception {
        int listen = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 5000
                %s

                [pools.testdb]
                pool_mode = "%s"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.users.1]
                username = "scramuser"
                password = "scrampass"
                auth_type = "scram-sha-256"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(listen, general, poolMode, host, port);
        pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("server-tls-it.toml"), Map.of()));
    }

    private Connection connect(String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pooler.address().getPort() + "/testdb", p);
    }

    /** What a client gets when its session cannot reach the server: at login (session mode) or its first query. */
    private SQLException failure(String user, String password) {
        try (Connection c = connect(user, password)) {
            scalar(c, "SELECT 1");
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("the client reached the server");
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        return SessionPoolingIT.scalar(c, sql);
    }
}
