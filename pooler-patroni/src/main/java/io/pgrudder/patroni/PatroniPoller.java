package io.pgrudder.patroni;

import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;

/**
 * Polls every member's Patroni REST API ({@code GET /cluster} and {@code GET /patroni}, all in
 * parallel) once per poll interval, decides the topology with {@link TopologyDecider}, and
 * publishes a snapshot whenever something relevant changed.
 *
 * <p>Threads: all polling state lives on one event loop of the group; rounds never overlap,
 * and each round sends exactly two requests per member, each with a hard deadline, so no member
 * ever has more than two requests in flight (Patroni's listen backlog is 5). Listeners run on a
 * dedicated notification thread.
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
    private final ExecutorService notifier;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    private volatile Topology current;
    private volatile boolean closed;

    // Confined to loop.
    private boolean started;
    private boolean roundRunning;
    private boolean pollRequested;
    private long lastRoundStartNanos;
    private ScheduledFuture<?> nextRound;

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
        this.http = new PatroniHttpClient(group, channelType, sslContext(settings), settings.requestTimeout());
        this.notifier = Executors.newSingleThreadExecutor(new DefaultThreadFactory("pgrudder-topology-" + name, true));
        this.current = Topology.initial(name, Instant.now());
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
        Subscriber subscriber = new Subscriber(Objects.requireNonNull(listener, "listener"));
        subscribers.add(subscriber);
        if (!closed) {
            notifier.execute(() -> deliver(subscriber));
        }
        return () -> subscribers.remove(subscriber);
    }

    @Override
    public void pollNow() {
        if (closed) {
            return;
        }
        loop.execute(() -> {
            if (!started || closed) {
                return;
            }
            if (roundRunning) {
                pollRequested = true;
                return;
            }
            if (nextRound != null) {
                nextRound.cancel(false);
            }
            long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRoundStartNanos);
            scheduleRound(Math.max(0, MIN_GAP_MILLIS - sinceLast));
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.execute(() -> {
            if (nextRound != null) {
                nextRound.cancel(false);
            }
        });
        notifier.shutdown();
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private void scheduleRound(long delayMillis) {
        nextRound = loop.schedule(this::startRound, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void startRound() {
        if (closed || roundRunning) {
            return;
        }
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
            Topology before = current;
            TopologyDecider.Decision decision = TopologyDecider.decide(name, results, before, Instant.now());
            if (decision.topology() != before) {
                current = decision.topology();
                for (String line : TopologyChanges.describe(before, current, decision.noLeaderReason())) {
                    if (current.leaderName().isEmpty() && line.contains(" leader ")) {
                        log.warn(line);
                    } else {
                        log.info(line);
                    }
                }
                notifier.execute(this::deliverAll);
            }
        } catch (RuntimeException e) {
            log.error("cluster {}: poll round failed; keeping the last topology", name, e);
        } finally {
            long sinceStart = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRoundStartNanos);
            long delay = pollRequested
                    ? Math.max(0, MIN_GAP_MILLIS - sinceStart)
                    : Math.max(0, settings.pollInterval().toMillis() - sinceStart);
            scheduleRound(delay);
        }
    }

    private void deliverAll() {
        for (Subscriber subscriber : subscribers) {
            deliver(subscriber);
        }
    }

    /** On the notifier thread: hands the newest snapshot to one listener unless it has it. */
    private void deliver(Subscriber subscriber) {
        Topology snapshot = current;
        if (closed || snapshot.generation() <= subscriber.delivered) {
            return;
        }
        subscriber.delivered = snapshot.generation();
        try {
            subscriber.listener.accept(snapshot);
        } catch (RuntimeException e) {
            log.error("cluster {}: topology listener {} failed", name, subscriber.listener, e);
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

    /** Only the notifier thread touches {@code delivered}. */
    private static final class Subscriber {
        final Consumer<Topology> listener;
        long delivered;

        Subscriber(Consumer<Topology> listener) {
            this.listener = listener;
        }
    }

    @Override
    public String toString() {
        return "PatroniPoller[" + name + " " + members + " " + settings.apiProtocol() + " port " + settings.apiPort() + "]";
    }
}
