package io.pgrudder.core.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.pool.Waiters.Waiter;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiter queue on an {@link EmbeddedChannel}'s loop with its time frozen: the test moves the
 * clock and runs the sweep timer itself, so every limit is checked on either side of its edge
 * without waiting. connect_timeout is 1000 ms throughout.
 */
class WaitersTest {
    private static final Map<String, String> A = Map.of("application_name", "a");
    private static final Map<String, String> B = Map.of("application_name", "b");

    private EmbeddedChannel channel;
    private FakeTarget target;
    private FakeOwner owner;
    private Waiters waiters;
    private PoolSettings settings;

    @BeforeEach
    void setUp() throws Exception {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        target = new FakeTarget();
        owner = new FakeOwner();
        settings = settings();
        waiters = new Waiters(settings, target, channel.eventLoop(), owner);
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish());
    }

    private static PoolSettings settings() throws Exception {
        String toml = """
                [general]
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 1000

                [pools.db]
                [pools.db.users.0]
                username = "app"
                password = "app-secret"
                pool_size = 2

                [pools.db.shards.0]
                database = "appdb"
                servers = [["pg1", 5432, "primary"]]
                """;
        PoolerConfig config = ConfigLoader.parse(toml, Path.of("waiters-test.toml"), Map.of());
        PoolConfig pool = config.pools().get("db");
        return PoolSettings.from(config.general(), pool, pool.users().get("0"));
    }

    private Waiter waiter(Map<String, String> startupParameters) {
        Promise<ServerConnection> promise = channel.eventLoop().newPromise();
        return waiters.newWaiter(startupParameters, channel.eventLoop(), promise);
    }

    private Waiter queued(Map<String, String> startupParameters) {
        Waiter w = waiter(startupParameters);
        waiters.add(w);
        return w;
    }

    /** Moves the loop's clock on and runs whatever timers are due (the sweep). */
    private void advanceMillis(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private static String sqlState(Waiter w) {
        return assertInstanceOf(PgException.class, w.promise.cause()).sqlState();
    }

    @Test
    void idleConnectionsGoToWaitersFirstInFirstOut() {
        Waiter first = queued(A);
        Waiter other = queued(B);
        Waiter second = queued(A);
        Waiter third = queued(A);
        FakeIdle idle = new FakeIdle(A, A);

        waiters.serve(idle);

        assertEquals(List.of(first, second), idle.served);
        assertEquals(2, waiters.size());
        assertSame(other, waiters.get(0), "a waiter nothing fits keeps its place");
        assertSame(third, waiters.get(1));
        assertEquals(3, idle.offers, "once nothing is idle, the rest of the queue is not walked");
    }

    @Test
    void aClientThatGaveUpLeavesTheQueue() {
        Waiter gone = queued(A);
        Waiter paused = waiter(A);
        waiters.addPaused(paused);
        Waiter staying = queued(A);
        gone.promise.cancel(false);
        assertEquals(2, waiters.size());

        paused.promise.cancel(false);
        assertEquals(2, waiters.size(), "a paused waiter is not watched for cancellation");
        FakeIdle idle = new FakeIdle(A);
        waiters.serve(idle);
        assertEquals(List.of(staying), idle.served);
        assertTrue(waiters.isEmpty(), "a paused waiter that gave up is dropped when serving walks past it");
    }

    @Test
    void noFreeConnectionWithinConnectTimeoutIs53300() {
        Waiter w = queued(A);
        advanceMillis(990);
        assertFalse(w.promise.isDone());

        advanceMillis(30);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, sqlState(w));
        assertTrue(w.promise.cause().getMessage().contains("connect_timeout (1000 ms)"), w.promise.cause().getMessage());
        assertTrue(waiters.isEmpty());
        assertEquals(1, owner.gaveUp);
        assertEquals(-1, channel.runScheduledPendingTasks(), "the sweep stops when nobody waits");
    }

    @Test
    void aServerThatKeepsFailingToConnectIsTheReasonGiven() {
        Waiter w = queued(A);
        owner.lastConnectFailure = PgException.fatal(SqlState.CONNECTION_FAILURE, "connection refused");
        advanceMillis(1020);
        assertSame(owner.lastConnectFailure, w.promise.cause());
    }

    @Test
    void withNoLeaderAWaiterWaitsForTheWaitLimitNotConnectTimeout() {
        target.address = Optional.empty();
        target.waitLimit = Duration.ofSeconds(5);
        Waiter w = queued(A);
        advanceMillis(1020);
        advanceMillis(3900);
        assertFalse(w.promise.isDone(), "connect_timeout does not apply while there is no leader");

        advanceMillis(100);
        assertEquals(SqlState.CANNOT_CONNECT_NOW, sqlState(w));
        assertEquals("no leader (last failure: none)", w.promise.cause().getMessage());
    }

    @Test
    void aWaitLimitShorterThanConnectTimeoutEndsTheWaitSooner() {
        target.address = Optional.empty();
        target.waitLimit = Duration.ofMillis(300);
        Waiter w = queued(A);
        advanceMillis(320);
        assertEquals(SqlState.CANNOT_CONNECT_NOW, sqlState(w));
    }

    @Test
    void aLeaderRefusingConnectionsIsWaitedForLikeNoLeader() {
        target.waitLimit = Duration.ofSeconds(5);
        owner.targetTrouble = PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is shutting down");
        Waiter w = queued(A);
        advanceMillis(1020);
        assertFalse(w.promise.isDone());

        advanceMillis(4000);
        assertEquals("no leader (last failure: the database system is shutting down)", w.promise.cause().getMessage());
    }

    @Test
    void aWaiterThatSawTheLeaderComeBackGetsConnectTimeoutMore() {
        target.address = Optional.empty();
        target.waitLimit = Duration.ofSeconds(5);
        Waiter w = queued(A);
        advanceMillis(1020); // looked at while there is no leader
        target.address = Optional.of(FakeTarget.LEADER);
        advanceMillis(3990);
        advanceMillis(980);
        assertFalse(w.promise.isDone(), "5.99 s: within leader_wait_timeout plus connect_timeout");

        advanceMillis(30);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, sqlState(w));
    }

    @Test
    void aLeaderGoneAndBackWithinConnectTimeoutStillCountsAsWaitingForIt() {
        // The switchover in PatroniPoolerIT: a client queues, the leader goes away and is back
        // before the waiter's first look at connect_timeout. It waited for the leader, not for a
        // free connection, so it gets connect_timeout more instead of a 53300.
        target.waitLimit = Duration.ofSeconds(5);
        Waiter w = queued(A);
        advanceMillis(200);
        target.address = Optional.empty();
        waiters.targetUnavailable();
        advanceMillis(600);
        target.address = Optional.of(FakeTarget.LEADER);
        advanceMillis(300); // 1.1 s: past connect_timeout, with a leader again
        assertFalse(w.promise.isDone(), "not a 53300 for a wait that was for the leader");
    }

    @Test
    void aWaiterQueuedWhileTheLeaderRefusesWaitsForIt() {
        target.waitLimit = Duration.ofSeconds(5);
        owner.targetTrouble = PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is shutting down");
        Waiter w = queued(A);
        advanceMillis(500);
        owner.targetTrouble = null; // the new leader accepts before the first look
        advanceMillis(600);
        assertFalse(w.promise.isDone());
    }

    @Test
    void withoutALeaderChangeConnectTimeoutStillApplies() {
        target.waitLimit = Duration.ofSeconds(5);
        Waiter w = queued(A);
        advanceMillis(1020);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, sqlState(w));
    }

    @Test
    void aPausedWaiterHasNoLimitUntilResumeGivesItAFreshConnectTimeout() {
        Waiter w = waiter(A);
        waiters.addPaused(w);
        advanceMillis(60_000);
        assertFalse(w.promise.isDone());

        waiters.resumed();
        advanceMillis(990);
        assertFalse(w.promise.isDone());
        advanceMillis(30);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, sqlState(w));
    }

    @Test
    void aWaiterPutBackAfterAFailedHealthCheckIsNextInLine() {
        Waiter queued = queued(A);
        Waiter back = waiter(A);
        waiters.addFirst(back);
        assertSame(back, waiters.get(0));
        assertSame(queued, waiters.get(1));
    }

    @Test
    void aFailedConnectIsReportedToTheFirstWaiterThatAskedForThoseParameters() {
        Waiter a = queued(A);
        Waiter b1 = queued(B);
        Waiter b2 = queued(B);
        PgException refused = PgException.fatal(SqlState.INVALID_PASSWORD, "password authentication failed");
        waiters.failFirstAsking(B, refused);
        assertSame(refused, b1.promise.cause());
        assertFalse(a.promise.isDone());
        assertFalse(b2.promise.isDone());
        assertEquals(2, waiters.size());
    }

    @Test
    void takeAllAndFailAllEmptyTheQueue() {
        Waiter a = queued(A);
        Waiter b = queued(B);
        assertEquals(List.of(a, b), waiters.takeAll());
        assertTrue(waiters.isEmpty());
        assertFalse(a.promise.isDone());

        Waiter c = queued(A);
        waiters.failAll(PgException.fatal(SqlState.ADMIN_SHUTDOWN, "closing"));
        assertEquals(SqlState.ADMIN_SHUTDOWN, sqlState(c));
        assertTrue(waiters.isEmpty());
    }

    /** Idle connections, one per listed parameter set; it records whom it served. */
    private static final class FakeIdle implements Waiters.Idle {
        private final List<Map<String, String>> idle;
        final List<Waiter> served = new ArrayList<>();
        int offers;

        @SafeVarargs
        FakeIdle(Map<String, String>... idle) {
            this.idle = new ArrayList<>(List.of(idle));
        }

        @Override
        public boolean isEmpty() {
            return idle.isEmpty();
        }

        @Override
        public boolean handTo(Waiter waiter) {
            offers++;
            if (!idle.remove(waiter.startupParameters)) {
                return false;
            }
            served.add(waiter);
            return true;
        }
    }

    private static final class FakeOwner implements Waiters.Owner {
        PgException targetTrouble;
        PgException lastConnectFailure;
        int gaveUp;

        @Override
        public void onLoop(Runnable task) {
            task.run();
        }

        @Override
        public PgException targetTrouble() {
            return targetTrouble;
        }

        @Override
        public PgException lastConnectFailure() {
            return lastConnectFailure;
        }

        @Override
        public void gaveUp() {
            gaveUp++;
        }
    }

    /** The configured server, or no leader; a zero wait limit (a fixed server) unless a test sets one. */
    private static final class FakeTarget implements ServerTarget {
        static final ServerAddress LEADER = new ServerAddress("pg1", 5432, Role.PRIMARY);
        Optional<ServerAddress> address = Optional.of(LEADER);
        Duration waitLimit = Duration.ZERO;

        @Override
        public Optional<ServerAddress> address() {
            return address;
        }

        @Override
        public boolean requirePrimary() {
            return true;
        }

        @Override
        public Runnable onChange(Runnable listener) {
            return () -> { };
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
            return waitLimit;
        }

        @Override
        public PgException unavailable(PgException lastFailure) {
            return PgException.fatal(SqlState.CANNOT_CONNECT_NOW,
                    "no leader (last failure: " + (lastFailure == null ? "none" : lastFailure.getMessage()) + ")");
        }
    }
}
