package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.NotificationResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.backend.RowDescription;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.StartupMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LISTEN/NOTIFY in transaction mode without pinning: the pooler answers a client's plain LISTEN
 * and UNLISTEN itself and fans out what its one listening connection (outside pool_size) hears.
 * pool_size 1, so if a listener kept the server, every other client here would wait for it (and
 * fail on the 30 s socket timeout). Listeners use the simple query protocol, as psql and most
 * LISTEN loops do; pgjdbc's default extended protocol takes the pinned path.
 */
@ExtendWith(PostgresExtension.class)
class ListenNotifyIT {
    private PgrudderServer pooler;
    private String url;
    private int port;
    private PostgresServer postgres;

    /** One notification as a client saw it. */
    record Seen(String channel, String payload, int pid) {
        static Seen of(PGNotification n) {
            return new Seen(n.getName(), n.getParameter(), n.getPID());
        }
    }

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        this.postgres = postgres;
        port = PoolerHarness.freePort();
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
        url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
        pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("listen.toml"), Map.of()));
    }

    @AfterEach
    void stop() {
        pooler.close();
    }

    /** A client of the pooler using the simple query protocol (a plain LISTEN is one Query message). */
    private Connection listener() throws SQLException {
        return connect("simple");
    }

    private Connection connect(String queryMode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("sslmode", "disable");
        p.setProperty("socketTimeout", "30");
        p.setProperty("preferQueryMode", queryMode);
        return DriverManager.getConnection(url, p);
    }

    private Connection direct() throws SQLException {
        return postgres.connect("testdb", "postgres", null);
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static void run(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int pid(Connection c) throws SQLException {
        return Integer.parseInt(scalar(c, "SELECT pg_backend_pid()"));
    }

    /**
     * What {@code c} received up to and including a notification on {@code marker}. Notifications
     * come in the order their transactions committed, so a marker sent last proves nothing else
     * was delivered before it.
     */
    private static List<Seen> receivedUntil(Connection c, String marker) throws SQLException {
        List<Seen> seen = new ArrayList<>();
        while (seen.isEmpty() || !seen.get(seen.size() - 1).channel().equals(marker)) {
            PGNotification[] got = c.unwrap(PGConnection.class).getNotifications(20_000);
            assertNotNull(got, "no notification within 20 s; got so far " + seen);
            assertTrue(got.length > 0, "no notification within 20 s; got so far " + seen);
            for (PGNotification n : got) {
                seen.add(Seen.of(n));
            }
        }
        return seen;
    }

    /** The pool's listening connection's backend pid, as the server lists it, or 0 when there is none. */
    private int listenerPid(Connection direct) throws SQLException {
        try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE application_name = '" + Pool.LISTENER_APPLICATION_NAME + "'")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    @Test
    void eachListenerGetsExactlyItsNotificationsWhileTheOneServerServesEveryone() throws Exception {
        try (Connection a = listener(); Connection b = listener(); Connection c = connect("extended");
             Connection direct = direct()) {
            run(a, "LISTEN shared");
            run(a, "listen Only_A;");
            // A holds no server: B gets the pool's only one for its LISTEN and its queries at once.
            run(b, "LISTEN shared");
            run(b, "LISTEN \"Only B\"");
            assertEquals("1", scalar(a, "SELECT 1"));
            assertEquals("2", scalar(b, "SELECT 2"));
            int server = pid(c);
            assertEquals(server, pid(a), "one backend for everyone: nobody is pinned");
            assertEquals(server, pid(b));
            assertEquals("0", scalar(c, "SELECT count(*) FROM pg_listening_channels()"),
                    "the pooled backend listens on nothing: the listening connection does");
            assertNotEquals(0, listenerPid(direct));
            assertNotEquals(server, listenerPid(direct), "the listening connection is not the pool's one server");

            c.setAutoCommit(false);
            int sender = pid(c);
            run(c, "NOTIFY shared, 'to both'");
            run(c, "NOTIFY only_a, 'to a'");
            run(c, "NOTIFY \"Only B\", 'to b'");
            run(c, "NOTIFY nobody, 'to nobody'");
            c.commit();
            c.setAutoCommit(true);
            int directPid = pid(direct);
            run(direct, "NOTIFY shared, 'direct'");
            run(direct, "NOTIFY only_a, 'end'");
            run(direct, "NOTIFY \"Only B\", 'end'");

            assertEquals(List.of(new Seen("shared", "to both", sender), new Seen("only_a", "to a", sender),
                    new Seen("shared", "direct", directPid), new Seen("only_a", "end", directPid)),
                    receivedUntil(a, "only_a"));
            assertEquals(List.of(new Seen("shared", "to both", sender), new Seen("Only B", "to b", sender),
                    new Seen("shared", "direct", directPid), new Seen("Only B", "end", directPid)),
                    receivedUntil(b, "Only B"));
            assertEquals("3", scalar(a, "SELECT 3"), "the listeners still run transactions");
        }
    }

    @Test
    void unlistenAndDisconnectStopDelivery() throws Exception {
        try (Connection a = listener(); Connection direct = direct()) {
            try (Connection b = listener()) {
                run(a, "LISTEN news");
                run(a, "LISTEN a_marker");
                run(b, "LISTEN news");
                run(b, "LISTEN b_marker");
                run(a, "UNLISTEN news");
                run(direct, "NOTIFY news, 'for b only'");
                run(direct, "NOTIFY a_marker, 'end'");
                run(direct, "NOTIFY b_marker, 'end'");
                int directPid = pid(direct);
                assertEquals(List.of(new Seen("a_marker", "end", directPid)), receivedUntil(a, "a_marker"),
                        "after UNLISTEN, A gets nothing on that channel");
                assertEquals(List.of(new Seen("news", "for b only", directPid), new Seen("b_marker", "end", directPid)),
                        receivedUntil(b, "b_marker"), "B still listens on it");
                run(a, "UNLISTEN *");
            }
            // B left and A listens on nothing: nobody is subscribed, so the listening connection goes.
            Await.until("the listening connection closes once nobody listens", () -> {
                try {
                    return listenerPid(direct) == 0;
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            }, Duration.ofSeconds(20));
            run(a, "LISTEN again");
            run(direct, "NOTIFY again, 'back'");
            assertEquals(List.of(new Seen("again", "back", pid(direct))), receivedUntil(a, "again"),
                    "a later LISTEN opens it again");
        }
    }

    @Test
    void discardAllOnTheServerEndsWhatThePoolerListensOnForTheClientToo() throws Exception {
        try (Connection a = listener(); Connection direct = direct()) {
            run(a, "LISTEN d");
            assertNotEquals(0, listenerPid(direct));
            run(a, "DISCARD ALL"); // runs on a server, and includes UNLISTEN *
            Await.until("A, the only listener, listens on nothing: the listening connection goes", () -> {
                try {
                    return listenerPid(direct) == 0;
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            }, Duration.ofSeconds(20));
        }
    }

    @Test
    void aKilledListeningConnectionIsReopenedAndListensOnEveryChannelAgain() throws Exception {
        try (Connection a = listener(); Connection b = listener(); Connection direct = direct()) {
            run(a, "LISTEN first");
            run(b, "LISTEN second");
            int old = listenerPid(direct);
            assertNotEquals(0, old);
            run(direct, "SELECT pg_terminate_backend(" + old + ")");
            // Reopened, it LISTENs on each channel in turn; idle after the last one, it listens on both.
            Await.until("a new listening connection has LISTENed on both channels", () -> {
                try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = '" + Pool.LISTENER_APPLICATION_NAME
                                + "' AND pid <> " + old + " AND state = 'idle' AND query = 'LISTEN \"second\"'")) {
                    return rs.next();
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            }, Duration.ofSeconds(20));
            int directPid = pid(direct);
            run(direct, "NOTIFY first, 'after'");
            run(direct, "NOTIFY second, 'after'");
            assertEquals(List.of(new Seen("first", "after", directPid)), receivedUntil(a, "first"));
            assertEquals(List.of(new Seen("second", "after", directPid)), receivedUntil(b, "second"));
            assertEquals("1", scalar(a, "SELECT 1"), "the listeners' own connections never noticed");
        }
    }

    @Test
    void listenInsideATransactionBlockGoesToTheServerAndPins() throws Exception {
        try (Connection a = listener(); Connection b = listener(); Connection direct = direct()) {
            run(a, "BEGIN");
            run(a, "LISTEN pinned");
            run(a, "COMMIT");
            assertEquals("1", scalar(a, "SELECT count(*) FROM pg_listening_channels()"), "A's own backend listens");
            assertEquals(0, listenerPid(direct), "no listening connection: the pooler did not take this LISTEN");
            int server = pid(a);
            run(direct, "NOTIFY pinned, 'from the server'");
            assertEquals(List.of(new Seen("pinned", "from the server", pid(direct))), receivedUntil(a, "pinned"));
            assertEquals(server, pid(a), "still on its server");
            run(a, "UNLISTEN *");
            // Unpinned: B gets the pool's one server (it would wait for it otherwise), and it listens on nothing.
            assertEquals("0", scalar(b, "SELECT count(*) FROM pg_listening_channels()"));
            // Nor is a LISTEN with another statement in the same Query taken by the pooler, or one in a DO block.
            run(b, "LISTEN multi; SELECT 1");
            assertEquals("1", scalar(b, "SELECT count(*) FROM pg_listening_channels()"), "B's own backend listens");
            run(b, "UNLISTEN *");
            run(b, "DO $$BEGIN EXECUTE 'LISTEN in_do'; END$$");
            assertEquals("1", scalar(b, "SELECT count(*) FROM pg_listening_channels()"));
            run(b, "UNLISTEN *");
            assertEquals(0, listenerPid(direct), "the pooler listened on nothing all along");
            assertEquals("0", scalar(a, "SELECT count(*) FROM pg_listening_channels()"), "and nobody is pinned now");
        }
    }

    /** A client on the wire, logged in as the trust user, past its first ReadyForQuery. */
    private WireClient wire(int bufferSize) throws Exception {
        WireClient c = new WireClient(port, bufferSize);
        c.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "postgres", "database", "testdb"))::encode);
        c.readUntil(ReadyForQuery.class);
        return c;
    }

    @Test
    void whatAClientSendsBehindALISTENWaitsForItsAnswerAndKeepsItsOrder() throws Exception {
        try (WireClient c = wire(0)) {
            c.send(out -> {
                new Query("LISTEN piped").encode(out);
                new Query("SELECT 1").encode(out);
                new Query("UNLISTEN piped").encode(out);
            });
            assertEquals("LISTEN", ((CommandComplete) c.read()).tag());
            assertTrue(c.read() instanceof ReadyForQuery);
            assertTrue(c.read() instanceof RowDescription);
            assertTrue(c.read() instanceof DataRow);
            assertEquals("SELECT 1", ((CommandComplete) c.read()).tag());
            assertTrue(c.read() instanceof ReadyForQuery);
            assertEquals("UNLISTEN", ((CommandComplete) c.read()).tag());
            assertEquals(ReadyForQuery.IDLE, ((ReadyForQuery) c.read()).transactionStatus());
        }
    }

    @Test
    void aListenerThatDoesNotReadItsNotificationsIsClosedWithAFatalErrorNotBufferedForever() throws Exception {
        try (WireClient c = wire(4096); Connection direct = direct()) {
            c.send(new Query("LISTEN flood")::encode);
            assertEquals("LISTEN", ((CommandComplete) c.read()).tag());
            c.read(); // ReadyForQuery; from now on the client reads nothing
            // About 8 MB in one transaction: more than the socket buffers and the 1 MiB the pooler keeps per client.
            run(direct, "SELECT pg_notify('flood', repeat('x', 7990) || i) FROM generate_series(1, 1000) i");
            // Overflowed, the client is unsubscribed; it was the only listener, so the listening connection goes.
            Await.until("the flooded client is unsubscribed", () -> {
                try {
                    return listenerPid(direct) == 0;
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            }, Duration.ofSeconds(30));
            int notifications = 0;
            BackendMessage m;
            while ((m = c.read()) instanceof NotificationResponse) {
                notifications++;
            }
            ErrorResponse error = (ErrorResponse) m;
            assertEquals("54000", error.sqlState(), error.message());
            assertEquals("FATAL", error.severity());
            assertTrue(notifications < 1000, "some were dropped: " + notifications);
            assertTrue(c.closedByServer());
        }
    }
}
