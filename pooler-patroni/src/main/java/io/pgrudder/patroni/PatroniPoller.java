package io.pgrudder.patroni;

import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;

import io.pgrudder.core.config.PatroniSettings;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.DcsWatch;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;

/**
 * Polls every member's Patroni REST API ({@code GET /cluster} and {@code GET /patroni}, all in
 * parallel) once per poll interval, decides the topology with {@link TopologyDecider}, and
 * publishes a snapshot whenever something relevant changed.
 *
 * <p>With {@code patroni_etcd_hosts} it also watches Patroni's keys in etcd ({@link EtcdWatch}):
 * a change of the leader, a member, the sync state or the config starts a round at once, so the
 * REST interval can be long while the watch is live and a leader is known ({@code watchPollInterval}); REST stays the
 * truth for who leads. The {@code failover} key, when it asks to move away from the leader and
 * is due, holds the leader ({@link Topology#leaderHeld()}) until the key goes or another member
 * leads. While etcd cannot be watched, polling goes on at {@code pollInterval} and nothing is held.
 *
 * <p>Threads: all polling and watch state lives on one event loop of the group; rounds never
 * overlap, and each round sends exactly two requests per member, each with a hard deadline, so no
 * member ever has more than two requests in flight (Patroni's listen backlog is 5). Listeners run
 * on a dedicated notification thread.
 */
public final class PatroniPoller implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(PatroniPoller.class);
    private static final long MIN_GAP_MILLIS = 100;

    private final String name;
    private final List<MemberAddress> members;
    private final PatroniPollerSettings settings;
    private final EventLoopGroup ownGroup;
    private final EventLoop loop;
    private final PatroniHttpClient http;
    private final TopologyNotifier notifier;

    private final EtcdWatch watch;
    private final PatroniSwitchover switchover;

    private volatile Topology current;
    private volatile boolean closed;
    private volatile DcsWatch watchState;
    private volatile long roundsOnSchedule;
    private volatile long roundsOnRequest;

    // Confined to loop.
    private boolean started;
    private boolean roundRunning;
    private boolean pollRequested;
    private long lastRoundStartNanos;
    private ScheduledFuture<?> nextRound;
    private boolean nextRoundRequested;
    private final LeaderHolds holds;

    /** Polls with its own one-thread NIO event loop group, shut down by {@link #close()}. */
    public PatroniPoller(String name, List<MemberAddress> members, PatroniPollerSettings settings) {
        this(name, members, settings,
                new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pgrudder-patroni", true),
                        NioIoHandler.newFactory()),
                NioSocketChannel.class, true);
    }

    /**
     * Polls on one event loop of {@code group} (not shut down by {@link #close()});
     * {@code channelType} must suit the group's transport.
     */
    public PatroniPoller(String name, List<MemberAddress> members, PatroniPollerSettings settings,
            EventLoopGroup group, Class<? extends Channel> channelType) {
        this(name, members, settings, group, channelType, false);
    }

    private PatroniPoller(String name, List<MemberAddress> members, PatroniPollerSettings settings,
            EventLoopGroup group, Class<? extends Channel> channelType, boolean ownsGroup) {
        this.name = Objects.requireNonNull(name, "name");
        this.members = List.copyOf(members);
        if (this.members.isEmpty()) {
            throw new IllegalArgumentException("cluster " + name + ": no members to poll");
        }
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ownGroup = ownsGroup ? group : null;
        this.loop = group.next();
        this.holds = new LeaderHolds(loop, this::reconsiderHold);
        Optional<SslContext> apiTls = sslContext(settings);
        this.http = new PatroniHttpClient(group, channelType, apiTls, settings.requestTimeout());
        this.switchover = new PatroniSwitchover(this, new PatroniHttpClient(group, channelType, apiTls,
                settings.requestTimeout()), settings.apiPort(), settings.apiCredentials().basicAuthorization());
        this.current = Topology.initial(name, Instant.now());
        this.notifier = new TopologyNotifier(name, () -> current);
        if (settings.etcd().watching()) {
            this.watchState = DcsWatch.CONNECTING;
            // etcd has its own protocol and TLS settings (patroni_etcd_*), whatever the REST API's are.
            Optional<SslContext> etcdTls = EtcdTls.context(settings.etcd());
            PatroniHttpClient etcdHttp = new PatroniHttpClient(group, channelType, etcdTls, settings.requestTimeout());
            this.watch = new EtcdWatch(name, settings.etcd(), loop, channelType, etcdHttp, etcdTls,
                    settings.requestTimeout(), new WatchListener());
        } else {
            this.watchState = DcsWatch.OFF;
            this.watch = null;
        }
    }

    /**
     * A poller for one pool: members are the hosts and PostgreSQL ports of its
     * {@code shards.N.servers} (roles there are ignored; Patroni decides them).
     */
    public static PatroniPoller forServers(String poolName, List<ServerAddress> servers, PatroniSettings settings) {
        List<MemberAddress> addresses = new ArrayList<>();
        for (ServerAddress server : servers) {
            MemberAddress address = new MemberAddress(server.host(), server.port());
            if (!addresses.contains(address)) {
                addresses.add(address);
            }
        }
        return new PatroniPoller(poolName, addresses, PatroniPollerSettings.of(settings));
    }

    /** Starts polling (the first round at once); returns this. */
    public PatroniPoller start() {
        loop.execute(() -> {
            if (!started && !closed) {
                started = true;
                startRound();
                if (watch != null) {
                    watch.start();
                }
            }
        });
        return this;
    }

    public List<MemberAddress> members() {
        return members;
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public Runnable subscribe(Consumer<Topology> listener) {
        return notifier.subscribe(listener);
    }

    @Override
    public void pollNow() {
        if (closed) {
            return;
        }
        loop.execute(this::requestRound);
    }

    @Override
    public DcsWatch dcsWatch() {
        return watchState;
    }

    /** Rounds started because their interval was up (the first one included). */
    public long roundsOnSchedule() {
        return roundsOnSchedule;
    }

    /** Rounds started early because someone asked: {@link #pollNow()}, a fencing failure, an etcd key change. */
    public long roundsOnRequest() {
        return roundsOnRequest;
    }

    /** The switchover the etcd watch last saw in Patroni's failover key; empty when none (or no watch). */
    public Optional<PendingSwitchover> pendingSwitchover() {
        return holds.dcsKey();
    }

    @Override
    public Optional<io.pgrudder.core.topology.Switchover> switchover() {
        return Optional.of(switchover);
    }

    EventLoop loop() {
        return loop;
    }

    boolean isClosed() {
        return closed;
    }

    /** On loop: holds the leader for {@code request} (a SWITCHOVER from this pooler); false when another one holds. */
    boolean holdLocally(PendingSwitchover request) {
        return holds.holdLocally(request);
    }

    /** On loop: ends the hold of {@code request}, if it still holds. */
    void releaseLocally(PendingSwitchover request) {
        holds.releaseLocally(request);
    }

    /** On loop: a round as soon as the minimal gap allows; coalesced with one already asked for or running. */
    private void requestRound() {
        if (!started || closed) {
            return;
        }
        if (roundRunning) {
            pollRequested = true;
            return;
        }
        if (nextRound != null) {
            if (nextRoundRequested) {
                return;
            }
            nextRound.cancel(false);
        }
        long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRoundStartNanos);
        scheduleRound(Math.max(0, MIN_GAP_MILLIS - sinceLast), true);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (watch != null) {
            watch.close();
        }
        loop.execute(() -> {
            if (nextRound != null) {
                nextRound.cancel(false);
            }
            holds.close();
        });
        notifier.close();
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private void scheduleRound(long delayMillis, boolean requested) {
        nextRoundRequested = requested;
        nextRound = loop.schedule(this::startRound, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void startRound() {
        if (closed || roundRunning) {
            return;
        }
        if (nextRoundRequested) {
            roundsOnRequest++;
        } else {
            roundsOnSchedule++;
            if (watch != null) {
                watch.probe();
            }
        }
        nextRound = null;
        nextRoundRequested = false;
        roundRunning = true;
        pollRequested = false;
        lastRoundStartNanos = System.nanoTime();
        List<CompletableFuture<MemberPoll>> polls = new ArrayList<>();
        for (MemberAddress member : members) {
            polls.add(pollMember(member));
        }
        CompletableFuture.allOf(polls.toArray(new CompletableFuture<?>[0]))
                .whenComplete((ignored, error) -> loop.execute(() -> finishRound(polls)));
    }

    private CompletableFuture<MemberPoll> pollMember(MemberAddress member) {
        CompletableFuture<HttpOutcome> cluster = http.get(member.host(), settings.apiPort(), "/cluster");
        CompletableFuture<HttpOutcome> node = http.get(member.host(), settings.apiPort(), "/patroni");
        return cluster.thenCombine(node, (c, n) -> parse(member, c, n))
                .exceptionally(e -> failedPoll(member, PollResult.badResponse("poll failed: "
                        + PatroniHttpClient.brief(e))));
    }

    private static MemberPoll parse(MemberAddress member, HttpOutcome cluster, HttpOutcome node) {
        PollResult clusterResult = cluster.result();
        Optional<ClusterView> view = Optional.empty();
        if (clusterResult.ok()) {
            try {
                view = Optional.of(PatroniJson.parseCluster(cluster.body()));
            } catch (PatroniJsonException e) {
                clusterResult = PollResult.badResponse("/cluster " + e.getMessage());
            }
        }
        PollResult nodeResult = node.result();
        Optional<NodeStatus> status = Optional.empty();
        if (nodeResult.ok()) {
            try {
                status = Optional.of(PatroniJson.parseNodeStatus(node.body()));
            } catch (PatroniJsonException e) {
                nodeResult = PollResult.badResponse("/patroni " + e.getMessage());
            }
        }
        return new MemberPoll(member, clusterResult, view, nodeResult, status);
    }

    private static MemberPoll failedPoll(MemberAddress member, PollResult result) {
        return new MemberPoll(member, result, Optional.empty(), result, Optional.empty());
    }

    private void finishRound(List<CompletableFuture<MemberPoll>> polls) {
        roundRunning = false;
        if (closed) {
            return;
        }
        try {
            List<MemberPoll> results = new ArrayList<>();
            for (CompletableFuture<MemberPoll> poll : polls) {
                results.add(poll.join());
            }
            TopologyDecider.Decision decision = TopologyDecider.decide(name, results, current, holds.holding(), Instant.now());
            publish(decision.topology(), decision.noLeaderReason());
        } catch (RuntimeException e) {
            log.error("cluster {}: poll round failed; keeping the last topology", name, e);
        } finally {
            long sinceStart = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRoundStartNanos);
            long delay = pollRequested
                    ? Math.max(0, MIN_GAP_MILLIS - sinceStart)
                    : Math.max(0, interval() - sinceStart);
            scheduleRound(delay, pollRequested);
        }
    }

    /**
     * The REST interval now: long while the etcd watch is live and a leader is known, else the
     * normal one. Without a leader the watch cannot be relied on to say when there is one again:
     * Patroni writes the {@code leader} key before it promotes PostgreSQL, and the new leader's
     * own {@code /patroni} (which confirms it) says primary only once the promotion is done, while
     * its {@code members/} key says so only at its next loop; a round asked for by the key change
     * therefore often finds no leader yet, and nothing in etcd may change again for a while.
     */
    private long interval() {
        boolean watchSuffices = watchState == DcsWatch.LIVE && current.leaderName().isPresent();
        return (watchSuffices ? settings.watchPollInterval() : settings.pollInterval()).toMillis();
    }

    /** On loop: makes {@code next} current, logs what changed and notifies, unless it is the current one. */
    private void publish(Topology next, Optional<String> noLeaderReason) {
        Topology before = current;
        if (next == before) {
            return;
        }
        current = next;
        for (String line : TopologyChanges.describe(before, next, noLeaderReason)) {
            if (next.leaderName().isEmpty() && line.contains(" leader ")) {
                log.warn(line);
            } else {
                log.info(line);
            }
        }
        notifier.published();
    }

    /** On loop: the current topology with its leader held or not by what holds now. */
    private void reconsiderHold() {
        publish(TopologyDecider.reconsiderHold(current, holds.holding(), Instant.now()), Optional.empty());
    }

    /** What the etcd watch tells the poller, on its loop. */
    private final class WatchListener implements EtcdWatch.Listener {
        @Override
        public void keysChanged(List<String> names) {
            requestRound();
        }

        @Override
        public void failoverKey(Optional<PendingSwitchover> now) {
            holds.dcsKey(now);
            requestRound();
        }

        @Override
        public void stateChanged(DcsWatch state, String detail) {
            DcsWatch before = watchState;
            watchState = state;
            if (state == DcsWatch.DOWN) {
                holds.dcsKey(Optional.empty());
                if (before == DcsWatch.LIVE && !roundRunning && nextRound != null && !nextRoundRequested) {
                    // The long interval no longer applies: the next round comes at the normal one.
                    nextRound.cancel(false);
                    long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRoundStartNanos);
                    scheduleRound(Math.max(0, settings.pollInterval().toMillis() - sinceLast), false);
                }
            }
        }
    }

    private static Optional<SslContext> sslContext(PatroniPollerSettings settings) {
        if (!"https".equals(settings.apiProtocol())) {
            return Optional.empty();
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            settings.apiCa().ifPresent(ca -> builder.trustManager(new File(ca.toString())));
            return Optional.of(builder.build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS for the Patroni API"
                    + settings.apiCa().map(ca -> " with CA " + ca).orElse("") + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PatroniPoller[" + name + " " + members + " " + settings.apiProtocol() + " port " + settings.apiPort()
                + (watch != null ? " etcd " + settings.etcd().hosts() + " " + watch.prefix() : "") + "]";
    }
}
