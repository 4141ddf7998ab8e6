package io.pgrudder.core.pool;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.net.Transport;
import io.pgrudder.core.routing.ClusterLeader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool that follows a cluster leader, with a hand-driven topology source in front of the test
 * PostgreSQL: waiting for a leader, the leader_wait_timeout error, retrying a refusing leader,
 * dropping connections to a former leader, and a leader held for a pending switchover.
 */
@ExtendWith(PostgresExtension.class)
class PoolLeaderIT {
    private PostgresServer postgres;
    private EventLoopGroup loops;
    private FakeSource source;
    private Pool pool;

    @BeforeEach
    void start(PostgresServer postgres) {
        this.postgres = postgres;
        loops = Transport.newGroup(2, "pool-leader-it");
        source = new FakeSource();
    }

    @AfterEach
    void stop() throws Exception {
        if (pool != null) {
            pool.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Pool pool(Duration leaderWait) throws io.pgrudder.core.config.ConfigException {
        String toml = """
                [general]
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 1000

                [pools.testdb]
                pool_mode = "transaction"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(postgres.host(), postgres.port());
        PoolerConfig config = ConfigLoader.parse(toml, Path.of("pool-leader-it.toml"), Map.of());
        PoolConfig poolConfig = config.pools().get("testdb");
        PoolSettings settings = PoolSettings.from(config.general(), poolConfig, poolConfig.users().get("0"));
        pool = new Pool(settings, new ClusterLeader(source, leaderWait), new ServerConnector(1 << 20), loops);
        return pool;
    }

    private Promise<ServerConnection> checkout() {
        Promise<ServerConnection> p = loops.next().newPromise();
        pool.checkout(Map.of(), (io.netty.channel.EventLoop) loops.next(), p);
        return p;
    }

    @Test
    void aCheckoutWaitsForALeaderAndProceedsWhenOneAppears() throws Exception {
        pool(Duration.ofSeconds(10));
        Promise<ServerConnection> p = checkout();
        assertFalse(p.awaitUninterruptibly(1500), "connect_timeout (1 s) does not apply while there is no leader");
        source.lead(postgres.host(), postgres.port());
        assertTrue(p.awaitUninterruptibly(5000) && p.isSuccess(), String.valueOf(p.cause()));
        assertEquals(postgres.port(), p.getNow().address().port());
        pool.release(p.getNow(), ReleasePlan.AS_IS);
    }

    /** A reload retires pools; a retired one used to stay subscribed to the shared poller forever. */
    @Test
    void aRetiredOrClosedPoolLetsGoOfItsTopologySource() throws Exception {
        int before = source.listeners.size();
        pool(Duration.ofSeconds(10));
        assertEquals(before + 1, source.listeners.size());
        pool.retire(null);
        assertEquals(before, source.listeners.size(), "retired: unsubscribed");
        pool(Duration.ofSeconds(10));
        pool.close().awaitUninterruptibly(5000);
        assertEquals(before, source.listeners.size(), "closed: unsubscribed");
    }

    @Test
    void noLeaderWithinLeaderWaitTimeoutIs57P03NamingTheCluster() throws Exception {
        pool(Duration.ofMillis(300));
        Promise<ServerConnection> p = checkout();
        assertTrue(p.awaitUninterruptibly(5000));
        PgException e = assertInstanceOf(PgException.class, p.cause());
        assertEquals(SqlState.CANNOT_CONNECT_NOW, e.sqlState());
        assertEquals("no Patroni leader for cluster \"demo\" within leader_wait_timeout (300 ms)", e.getMessage());
    }

    @Test
    void aRefusingLeaderIsPolledAndRetriedNotReportedToTheClient() throws Exception {
        pool(Duration.ofSeconds(10));
        source.lead("127.0.0.1", closedPort());
        Promise<ServerConnection> p = checkout();
        assertFalse(p.awaitUninterruptibly(1500), "a refused connection is retried, not the client's error");
        assertTrue(source.polls.get() >= 2, "each refusal asks for a poll: " + source.polls.get());
        source.lead(postgres.host(), postgres.port());
        assertTrue(p.awaitUninterruptibly(5000) && p.isSuccess(), String.valueOf(p.cause()));
        pool.release(p.getNow(), ReleasePlan.AS_IS);
    }

    @Test
    void aRefusingLeaderFailsTheCheckoutAfterLeaderWaitTimeout() throws Exception {
        pool(Duration.ofMillis(1500));
        source.lead("127.0.0.1", closedPort());
        Promise<ServerConnection> p = checkout();
        assertTrue(p.awaitUninterruptibly(5000));
        PgException e = assertInstanceOf(PgException.class, p.cause());
        assertEquals(SqlState.CANNOT_CONNECT_NOW, e.sqlState());
        assertTrue(e.getMessage().startsWith("Patroni leader node1 (127.0.0.1:"), e.getMessage());
        assertTrue(e.detail().contains("refused"), e.detail());
    }

    @Test
    void connectionsToAFormerLeaderAreClosedIdleAtOnceBusyOnRelease() throws Exception {
        pool(Duration.ofSeconds(10));
        source.lead(postgres.host(), postgres.port());
        Promise<ServerConnection> first = checkout();
        Promise<ServerConnection> second = checkout();
        assertTrue(first.awaitUninterruptibly(5000) && first.isSuccess(), String.valueOf(first.cause()));
        assertTrue(second.awaitUninterruptibly(5000) && second.isSuccess(), String.valueOf(second.cause()));
        ServerConnection idle = first.getNow();
        ServerConnection busy = second.getNow();
        pool.release(idle, ReleasePlan.AS_IS);
        awaitStats(s -> s.idle() == 1);

        source.lead("127.0.0.1", closedPort());
        assertTrue(idle.channel().closeFuture().awaitUninterruptibly(5000), "idle connection to the old leader closed");
        assertTrue(busy.channel().isActive(), "a busy connection is left to its client");
        pool.release(busy, ReleasePlan.AS_IS);
        assertTrue(busy.channel().closeFuture().awaitUninterruptibly(5000), "closed when it came back");
    }

    /**
     * A leader held for a pending switchover: the transaction running on it goes on, a new
     * checkout waits (its idle connection closed), and releasing the hold serves it there.
     */
    @Test
    void aHeldLeaderServesNothingNewUntilReleased() throws Exception {
        pool(Duration.ofSeconds(10));
        source.lead(postgres.host(), postgres.port());
        Promise<ServerConnection> first = checkout();
        Promise<ServerConnection> second = checkout();
        assertTrue(first.awaitUninterruptibly(5000) && first.isSuccess(), String.valueOf(first.cause()));
        assertTrue(second.awaitUninterruptibly(5000) && second.isSuccess(), String.valueOf(second.cause()));
        ServerConnection idle = first.getNow();
        ServerConnection running = second.getNow();
        pool.release(idle, ReleasePlan.AS_IS);
        awaitStats(s -> s.idle() == 1);

        source.hold(true);
        assertTrue(idle.channel().closeFuture().awaitUninterruptibly(5000), "idle connection to the held leader closed");
        assertTrue(running.channel().isActive(), "the running transaction keeps its connection");
        Promise<ServerConnection> held = checkout();
        awaitStats(s -> s.waiting() == 1);
        assertFalse(held.isDone(), "nothing new starts on a held leader");
        pool.release(running, ReleasePlan.AS_IS);
        assertTrue(running.channel().closeFuture().awaitUninterruptibly(5000), "closed when it came back");
        assertFalse(held.isDone(), "not handed the connection the running transaction gave back");

        source.hold(false);
        assertTrue(held.awaitUninterruptibly(5000) && held.isSuccess(), String.valueOf(held.cause()));
        assertEquals(postgres.port(), held.getNow().address().port(), "served by the leader it waited for");
        pool.release(held.getNow(), ReleasePlan.AS_IS);
    }

    @Test
    void aHoldPastLeaderWaitTimeoutIs57P03SayingTheLeaderIsBeingSwitchedOver() throws Exception {
        pool(Duration.ofMillis(300));
        source.lead(postgres.host(), postgres.port());
        source.hold(true);
        Promise<ServerConnection> p = checkout();
        assertTrue(p.awaitUninterruptibly(5000));
        PgException e = assertInstanceOf(PgException.class, p.cause());
        assertEquals(SqlState.CANNOT_CONNECT_NOW, e.sqlState());
        assertEquals("Patroni leader node1 (" + postgres.host() + ":" + postgres.port() + ") of cluster \"demo\" is"
                + " being switched over and no new leader took over within leader_wait_timeout (300 ms)", e.getMessage());
    }

    private void awaitStats(java.util.function.Predicate<PoolStats> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (condition.test(pool.stats().syncUninterruptibly().getNow())) {
                return;
            }
            sleep(20);
        }
        throw new AssertionError("pool stats never matched: " + pool.stats().syncUninterruptibly().getNow());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A topology source driven by the test: {@link #lead} publishes node1 at an address as leader. */
    private static final class FakeSource implements TopologySource {
        final AtomicInteger polls = new AtomicInteger();
        final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
        volatile Topology current = Topology.initial("demo", Instant.now());

        void lead(String host, int port) {
            Member leader = new Member("node1", host, port, MemberRole.LEADER, Member.STATE_RUNNING,
                    OptionalLong.empty(), 1, false, false, PollResult.OK);
            Topology next = new Topology("demo", List.of(leader), Optional.of("node1"), Instant.now(), 1, false,
                    current.generation() + 1);
            current = next;
            listeners.forEach(l -> l.accept(next));
        }

        /** The current leader held (or released) for a pending switchover. */
        void hold(boolean held) {
            Topology c = current;
            Topology next = new Topology("demo", c.members(), c.leaderName(), c.leaderSince(), c.timeline(), false,
                    c.generation() + 1, held);
            current = next;
            listeners.forEach(l -> l.accept(next));
        }

        @Override
        public Topology current() {
            return current;
        }

        @Override
        public Runnable subscribe(Consumer<Topology> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        @Override
        public void pollNow() {
            polls.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }
}
