package io.pgrudder.patroni.dcsscale;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.DcsWatch;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.patroni.MemberAddress;
import io.pgrudder.patroni.PatroniPoller;
import io.pgrudder.patroni.PatroniPollerSettings;

/**
 * N pooler instances' Patroni pollers in one JVM: each a real {@link PatroniPoller}, built from a
 * pgcat.toml text by the real config loader and constructed as {@code PgrudderServer.patroniPoller}
 * does ({@link PatroniPoller#forServers}: the pool's servers, deduplicated, and
 * {@link PatroniPollerSettings#of}), except that all of them share one event loop group instead
 * of one each. For every instance it keeps when its published topology first named a leader
 * it was told to expect.
 */
final class Fleet implements AutoCloseable {

    private final List<PatroniPoller> pollers = new ArrayList<>();
    private final EventLoopGroup group;
    private final boolean watching;
    private final java.util.concurrent.atomic.AtomicLong leaderLosses = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean counting;
    private volatile Expectation expectation = new Expectation("", new AtomicLongArray(0), new CountDownLatch(0));

    /** A leader to watch for: when each instance first named it, and a latch counting the rest down. */
    private record Expectation(String leader, AtomicLongArray firstSeenNanos, CountDownLatch allSeen) {
    }

    /**
     * @param toml     a pgcat.toml with one pool, {@code app}, that follows Patroni
     * @param threads  event loop threads shared by all pollers
     */
    Fleet(int n, String toml, int threads) throws Exception {
        PoolConfig pool = ConfigLoader.parse(toml, Path.of("dcs-scale.toml"), Map.of()).pool("app").orElseThrow();
        PatroniPollerSettings settings = PatroniPollerSettings.of(pool.patroni());
        List<MemberAddress> members = new ArrayList<>();
        for (ServerAddress server : pool.shards().get(0).servers()) {
            MemberAddress address = new MemberAddress(server.host(), server.port());
            if (!members.contains(address)) {
                members.add(address);
            }
        }
        this.watching = settings.etcd().watching();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("dcs-scale", true),
                NioIoHandler.newFactory());
        for (int i = 0; i < n; i++) {
            PatroniPoller poller = new PatroniPoller("app-" + i, members, settings, group, NioSocketChannel.class);
            int index = i;
            poller.subscribe(t -> seen(index, t));
            pollers.add(poller);
        }
    }

    int size() {
        return pollers.size();
    }

    boolean watching() {
        return watching;
    }

    /**
     * Starts instance i at i/N of {@code spread}: real instances start at different moments, so
     * their scheduled rounds do not all fall on the same instant (one burst of N rounds).
     */
    void start(Duration spread) {
        for (int i = 0; i < pollers.size(); i++) {
            PatroniPoller poller = pollers.get(i);
            group.schedule(() -> { poller.start(); }, spread.toNanos() * i / pollers.size(), TimeUnit.NANOSECONDS);
        }
    }

    /** From now on, count each published topology that names no leader (see {@link #leaderLosses()}). */
    void countLeaderLosses() {
        counting = true;
    }

    /** Topologies without a leader that instances published since {@link #countLeaderLosses()}. */
    long leaderLosses() {
        return leaderLosses.get();
    }

    /** From now on, note when each instance first publishes a topology whose leader is {@code leader}. */
    void expect(String leader) {
        expectation = new Expectation(leader, new AtomicLongArray(pollers.size()), new CountDownLatch(pollers.size()));
        for (int i = 0; i < pollers.size(); i++) {
            seen(i, pollers.get(i).current());
        }
    }

    /** Waits until every instance named the expected leader, or the timeout; true if all did. */
    boolean awaitAllSeen(Duration timeout) throws InterruptedException {
        return expectation.allSeen().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** When each instance first named the expected leader ({@link System#nanoTime()}); 0 when it did not (yet). */
    long[] firstSeenNanos() {
        AtomicLongArray seen = expectation.firstSeenNanos();
        long[] copy = new long[seen.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = seen.get(i);
        }
        return copy;
    }

    /** Instances whose etcd watch is live now (0 without a watch). */
    int watchesLive() {
        return (int) pollers.stream().filter(p -> p.dcsWatch() == DcsWatch.LIVE).count();
    }

    /** Instances whose current topology names a leader. */
    int withLeader() {
        return (int) pollers.stream().filter(p -> p.current().leaderName().isPresent()).count();
    }

    /** The leader most instances name now. */
    Optional<String> leader() {
        return pollers.stream().map(p -> p.current().leaderName()).flatMap(Optional::stream)
                .collect(java.util.stream.Collectors.groupingBy(s -> s, java.util.stream.Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
    }

    /** REST requests sent so far to the member whose API is on {@code host}, all instances (rounds and leader checks). */
    long restRequests(String host) {
        long sum = 0;
        for (PatroniPoller p : pollers) {
            for (MemberAddress m : p.members()) {
                if (m.host().equals(host)) {
                    sum += p.restRequests(m);
                }
            }
        }
        return sum;
    }

    /** GET /patroni requests to the leader the DCS named, all instances, while their watch was live. */
    long leaderChecks() {
        return pollers.stream().mapToLong(PatroniPoller::leaderChecks).sum();
    }

    /** Requests the instances' etcd watches sent: range reads (probes included), watch streams, authentications. */
    long etcdRequests() {
        return pollers.stream().mapToLong(PatroniPoller::etcdRequests).sum();
    }

    /** Poll rounds started so far, all instances: those due on schedule. */
    long roundsOnSchedule() {
        return pollers.stream().mapToLong(PatroniPoller::roundsOnSchedule).sum();
    }

    /** Poll rounds started so far, all instances: those asked for early (an etcd key change, pollNow). */
    long roundsOnRequest() {
        return pollers.stream().mapToLong(PatroniPoller::roundsOnRequest).sum();
    }

    @Override
    public void close() {
        pollers.forEach(PatroniPoller::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** On a poller's notification thread. */
    private void seen(int index, Topology t) {
        if (counting && t.leaderName().isEmpty()) {
            leaderLosses.incrementAndGet();
        }
        Expectation e = expectation;
        if (index >= e.firstSeenNanos().length() || !t.leaderName().equals(Optional.of(e.leader()))) {
            return;
        }
        if (e.firstSeenNanos().compareAndSet(index, 0, System.nanoTime())) {
            e.allSeen().countDown();
        }
    }
}
