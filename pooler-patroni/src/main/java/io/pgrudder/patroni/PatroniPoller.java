package io.pgrudder.patroni;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;

import io.pgrudder.core.config.PatroniSettings;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.DcsWatch;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;

/**
 * Follows one Patroni cluster, decides its topology with {@link TopologyDecider}, and publishes a
 * snapshot whenever something relevant changed.
 *
 * <p>By REST: every member's {@code GET /cluster} and {@code GET /patroni}, all in parallel, once
 * per poll interval. That is how it follows the cluster without {@code patroni_etcd_hosts}, and
 * whenever the etcd watch is not live (connecting, etcd down or unreachable).
 *
 * <p>By the DCS: while the watch of Patroni's keys in etcd ({@link EtcdWatch}) is live, there is
 * no periodic REST round at all. The topology is decided from the keys themselves
 * ({@link DcsFollower}: members, roles, states, lag, tags, sync, pause), and the leader they name
 * is published only once its own {@code /patroni} says it runs as primary ({@link LeaderFence}:
 * one request to that member when the DCS names a leader anew, retried while it is not primary
 * yet). A quiet watch is checked every {@code watchPollInterval} by one range read in etcd, not
 * by REST. The {@code failover} key, when it asks to move away from the leader and is due, holds
 * the leader ({@link Topology#leaderHeld()}) until the key goes or another member leads; without
 * a live watch nothing is held.
 *
 * <p>Threads: all polling and watch state lives on one event loop of the group; rounds never
 * overlap, and each round sends exactly two requests per member, each with a hard deadline
 * (Patroni's listen backlog is 5); leader checks (while the watch is live, when rounds are off) go
 * one at a time but for an answer still out when the DCS names a leader anew. Listeners run on a
 * dedicated notification thread.
 */
public final class PatroniPoller implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(PatroniPoller.class);

    private final String name;
    private final List<MemberAddress> members;
    private final PatroniPollerSettings settings;
    private final EventLoopGroup ownGroup;
    private final EventLoop loop;
    private final PatroniHttpClient http;
    private final TopologyNotifier notifier;

    private final RestRounds rounds;
    private final EtcdWatch watch;
    private final DcsFollower dcs;
    private final PatroniSwitchover switchover;
    /** REST requests sent to each member (by index in {@code members}): rounds and leader checks. */
    private final AtomicLongArray restRequests;

    private volatile Topology current;
    private volatile boolean closed;
    private volatile DcsWatch watchState;

    // Confined to loop.
    private boolean started;
    private ScheduledFuture<?> probeTimer;
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
        this.restRequests = new AtomicLongArray(this.members.size());
        this.ownGroup = ownsGroup ? group : null;
        this.loop = group.next();
        this.holds = new LeaderHolds(loop, this::reconsiderHold);
        Optional<SslContext> apiTls = PatroniApiTls.context(settings);
        this.http = new PatroniHttpClient(group, channelType, apiTls, settings.requestTimeout());
        this.rounds = new RestRounds(name, this.members, loop, http, settings.apiPort(),
                settings.pollInterval().toMillis(), restRequests, this::decideFromRest);
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
            LeaderFence fence = new LeaderFence(loop, member -> {
                restRequests.incrementAndGet(this.members.indexOf(member));
                return http.get(member.host(), settings.apiPort(), "/patroni");
            }, settings.pollInterval().toMillis(), LeaderFence.randomJitter(), this::decideFromDcs);
            this.dcs = new DcsFollower(settings.etcd().scope(), this.members, fence);
        } else {
            this.watchState = DcsWatch.OFF;
            this.watch = null;
            this.dcs = null;
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
                rounds.resume();
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
        return rounds.onSchedule();
    }

    /** Rounds started early because someone asked: {@link #pollNow()}, a fencing failure, an etcd key change. */
    public long roundsOnRequest() {
        return rounds.onRequest();
    }

    /** REST requests sent to {@code member} so far: two per round, and each leader check while the watch is live. */
    public long restRequests(MemberAddress member) {
        int i = members.indexOf(member);
        return i < 0 ? 0 : restRequests.get(i);
    }

    /** Requests this poller's etcd watch sent: range reads (its probes included), watch streams, authentications. */
    public long etcdRequests() {
        return watch == null ? 0 : watch.requests();
    }

    /** {@code GET /patroni} requests sent to the DCS's leader while the watch was live ({@link LeaderFence}). */
    public long leaderChecks() {
        return dcs == null ? 0 : dcs.leaderChecks();
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

    /** On loop: a REST round soon; while the watch is live, the leader's own /patroni is asked again instead. */
    private void requestRound() {
        if (!started || closed) {
            return;
        }
        if (dcs != null && dcs.isLive()) {
            dcs.recheck();
        } else {
            rounds.request();
        }
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
            rounds.pause();
            stopProbes();
            if (dcs != null) {
                dcs.down();
            }
            holds.close();
        });
        notifier.close();
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** On loop: a REST round's answers, unless the watch went live meanwhile. */
    private void decideFromRest(List<MemberPoll> polls) {
        if (closed || (dcs != null && dcs.isLive())) {
            return;
        }
        TopologyDecider.Decision decision = TopologyDecider.decide(name, polls, current, holds.holding(), Instant.now());
        publish(decision.topology(), decision.noLeaderReason());
    }

    /** On loop, while the watch is live: decides from the DCS's keys and the leader's own /patroni. */
    private void decideFromDcs() {
        if (closed || dcs == null) {
            return;
        }
        dcs.polls().ifPresent(polls -> {
            TopologyDecider.Decision decision = TopologyDecider.decide(name, polls, current, holds.holding(),
                    Instant.now());
            publish(decision.topology(), decision.noLeaderReason());
        });
    }

    private void stopProbes() {
        if (probeTimer != null) {
            probeTimer.cancel(false);
            probeTimer = null;
        }
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
        public void keysChanged(DcsState state, List<String> names) {
            dcs.keys(state);
            if (dcs.isLive()) {
                decideFromDcs();
            } else if (!names.isEmpty()) {
                requestRound();
            }
        }

        @Override
        public void failoverKey(Optional<PendingSwitchover> now) {
            holds.dcsKey(now);
            if (!dcs.isLive()) {
                requestRound();
            }
        }

        @Override
        public void stateChanged(DcsWatch state, String detail) {
            DcsWatch before = watchState;
            watchState = state;
            if (closed) {
                return;
            }
            if (state == DcsWatch.LIVE) {
                // The DCS decides from now on: no more rounds; a range read of etcd every watchPollInterval instead.
                rounds.pause();
                dcs.live();
                long every = settings.watchPollInterval().toMillis();
                stopProbes();
                probeTimer = loop.scheduleWithFixedDelay(watch::probe, every, every, TimeUnit.MILLISECONDS);
                decideFromDcs();
                return;
            }
            if (state == DcsWatch.DOWN) {
                holds.dcsKey(Optional.empty());
            }
            if (before == DcsWatch.LIVE) {
                // Back to REST: a full round at once, then every pollInterval.
                dcs.down();
                stopProbes();
                if (started) {
                    rounds.resume();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "PatroniPoller[" + name + " " + members + " " + settings.apiProtocol() + " port " + settings.apiPort()
                + (watch != null ? " etcd " + settings.etcd().hosts() + " " + watch.prefix() : "") + "]";
    }
}
