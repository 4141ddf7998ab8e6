package io.pgrudder.core.notify;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerLogin;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.net.Transport;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.NotificationResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub against real PostgreSQL with a target the test moves, as a Patroni leader change moves
 * a pool's: the listening connection follows it and LISTENs again. The same server under two
 * names ({@code 127.0.0.1} and {@code localhost}) stands for two servers: the target accepts only
 * connections to the name it points at.
 */
@ExtendWith(PostgresExtension.class)
class NotificationHubIT {
    private static final String APPLICATION = "hub-it";
    private PostgresServer postgres;
    private EventLoopGroup loops;
    private MovableTarget target;
    private NotificationHub hub;
    private final BlockingQueue<NotificationResponse> received = new LinkedBlockingQueue<>();
    private Subscriber subscriber;

    /** A target the test points at a host, or at nothing. */
    private static final class MovableTarget implements ServerTarget {
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        volatile ServerAddress at;

        void moveTo(ServerAddress next) {
            at = next;
            listeners.forEach(Runnable::run);
        }

        @Override
        public Optional<ServerAddress> address() {
            return Optional.ofNullable(at);
        }

        @Override
        public boolean requirePrimary() {
            return false;
        }

        @Override
        public Runnable onChange(Runnable listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        @Override
        public boolean retryable(PgException cause) {
            return false;
        }

        @Override
        public void suspect() {
        }

        @Override
        public Duration waitLimit() {
            return Duration.ZERO;
        }

        @Override
        public PgException unavailable(PgException lastFailure) {
            return PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "no server to listen on");
        }
    }

    /** Decodes what it gets into {@link #received}. */
    private final class Subscriber implements NotificationHub.Subscriber {
        private final EventLoop loop;

        Subscriber(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public EventExecutor executor() {
            return loop;
        }

        @Override
        public void notifications(List<ByteBuf> frames) {
            for (ByteBuf frame : frames) {
                try {
                    received.add(NotificationResponse.decode(Frames.body(frame)));
                } finally {
                    frame.release();
                }
            }
        }
    }

    @BeforeEach
    void start(PostgresServer postgres) {
        this.postgres = postgres;
        loops = Transport.newGroup(2, "hub-it");
        target = new MovableTarget();
        target.at = new ServerAddress(postgres.host(), postgres.port(), Role.PRIMARY);
        hub = new NotificationHub("hub-it", target, new ServerConnector(1 << 20), (EventLoop) loops.next(),
                address -> new ServerLogin(address, PostgresServer.TEST_DATABASE, PostgresServer.MD5_USER,
                        PostgresServer.MD5_PASSWORD, Map.of("application_name", APPLICATION), Duration.ofSeconds(5)));
        subscriber = new Subscriber((EventLoop) loops.next());
    }

    @AfterEach
    void stop() {
        hub.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Promise<Void> listen(String channel) {
        Promise<Void> p = loops.next().newPromise();
        hub.listen(subscriber, channel, p);
        assertTrue(p.awaitUninterruptibly(10_000), "LISTEN " + channel + " answered");
        return p;
    }

    /** The hub's listening backends: pid and last query, as the server lists them. */
    private List<String> listeners(Connection direct) throws SQLException {
        List<String> found = new java.util.ArrayList<>();
        try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery("SELECT pid, state, query FROM "
                + "pg_stat_activity WHERE application_name = '" + APPLICATION + "'")) {
            while (rs.next()) {
                found.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        return found;
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 20 s: " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void whenTheTargetMovesTheListeningConnectionFollowsAndListensAgain() throws Exception {
        try (Connection direct = postgres.connect(PostgresServer.TEST_DATABASE, PostgresServer.SUPERUSER, null)) {
            assertTrue(listen("moving").isSuccess());
            assertTrue(listen("Second one").isSuccess());
            List<String> before = listeners(direct);
            assertEquals(1, before.size(), before.toString());
            String oldPid = before.get(0).split(" ")[0];

            String otherName = postgres.host().equals("localhost") ? "127.0.0.1" : "localhost";
            target.moveTo(new ServerAddress(otherName, postgres.port(), Role.PRIMARY));
            awaitTrue("the old listening backend is gone and a new one LISTENed on both channels", () -> {
                try {
                    List<String> now = listeners(direct);
                    return now.size() == 1 && !now.get(0).startsWith(oldPid + " ")
                            && now.get(0).endsWith(" idle LISTEN \"Second one\"");
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            });
            int sender;
            try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                assertTrue(rs.next());
                sender = rs.getInt(1);
                s.execute("NOTIFY moving, 'after the move'");
                s.execute("NOTIFY \"Second one\", 'too'");
            }
            NotificationResponse first = received.poll(20, TimeUnit.SECONDS);
            NotificationResponse second = received.poll(20, TimeUnit.SECONDS);
            assertEquals("moving", first.channel());
            assertEquals("after the move", first.payload());
            assertEquals("Second one", second.channel());
            assertEquals(sender, first.processId(), "the notifying backend's pid, as PostgreSQL reports it");
            assertEquals(sender, second.processId());
        }
    }

    @Test
    void aLISTENWithNowhereToListenFailsWithTheTargetsErrorAndLeavesNoSubscription() throws Exception {
        target.moveTo(null);
        Promise<Void> p = listen("nowhere");
        PgException e = assertInstanceOf(PgException.class, p.cause());
        assertEquals(SqlState.CANNOT_CONNECT_NOW, e.sqlState());
        assertEquals(PgException.Severity.ERROR, e.severity(), "the client's LISTEN fails, not its session");
        target.moveTo(new ServerAddress(postgres.host(), postgres.port(), Role.PRIMARY));
        Promise<Void> again = listen("somewhere");
        assertTrue(again.isSuccess(), String.valueOf(again.cause()));
        try (Connection direct = postgres.connect(PostgresServer.TEST_DATABASE, PostgresServer.SUPERUSER, null);
             Statement s = direct.createStatement()) {
            s.execute("NOTIFY nowhere, 'lost'");
            s.execute("NOTIFY somewhere, 'found'");
            assertEquals("found", received.poll(20, TimeUnit.SECONDS).payload(), "nothing on the failed channel");
        }
    }
}
