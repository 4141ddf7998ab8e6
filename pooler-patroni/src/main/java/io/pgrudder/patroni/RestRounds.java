package io.pgrudder.patroni;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.EventLoop;

import io.pgrudder.core.topology.PollResult;

/**
 * Full REST poll rounds: every member's {@code GET /cluster} and {@code GET /patroni}, all in
 * parallel, one round at a time, every poll interval from the start of the last one, or sooner
 * when asked ({@link #request()}, at least {@value #MIN_GAP_MILLIS} ms after the last start, and
 * coalesced). Each finished round's answers go to {@code finished}. {@link #pause()} stops them
 * (while the etcd watch is live), {@link #resume()} starts them again with a round at once.
 * Confined to the poller's event loop but for the counters.
 */
final class RestRounds {

    private static final Logger log = LoggerFactory.getLogger(RestRounds.class);
    static final long MIN_GAP_MILLIS = 100;

    private final String cluster;
    private final List<MemberAddress> members;
    private final EventLoop loop;
    private final PatroniHttpClient http;
    private final int apiPort;
    private final long intervalMillis;
    private final AtomicLongArray requestsByMember;
    private final Consumer<List<MemberPoll>> finished;

    private volatile long onSchedule;
    private volatile long onRequest;

    // Confined to loop.
    private boolean running;
    private boolean paused = true;
    private boolean requested;
    private long lastStartNanos;
    private ScheduledFuture<?> next;
    private boolean nextRequested;

    /** @param requestsByMember counts each request by the member's index in {@code members} */
    RestRounds(String cluster, List<MemberAddress> members, EventLoop loop, PatroniHttpClient http, int apiPort,
            long intervalMillis, AtomicLongArray requestsByMember, Consumer<List<MemberPoll>> finished) {
        this.cluster = cluster;
        this.members = List.copyOf(members);
        this.loop = loop;
        this.http = http;
        this.apiPort = apiPort;
        this.intervalMillis = intervalMillis;
        this.requestsByMember = requestsByMember;
        this.finished = finished;
    }

    /** Rounds started because their interval was up (the first one and each resume included). */
    long onSchedule() {
        return onSchedule;
    }

    /** Rounds started early because someone asked. */
    long onRequest() {
        return onRequest;
    }

    /** Rounds again, the first at once (unless one is running or due). */
    void resume() {
        paused = false;
        if (!running && next == null) {
            schedule(0, false);
        }
    }

    /** No more rounds: the next one is cancelled, a running one's answers are dropped. */
    void pause() {
        paused = true;
        cancelNext();
    }

    /** A round as soon as the minimal gap allows; coalesced with one already asked for or running. */
    void request() {
        if (paused) {
            return;
        }
        if (running) {
            requested = true;
            return;
        }
        if (next != null) {
            if (nextRequested) {
                return;
            }
            next.cancel(false);
        }
        long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastStartNanos);
        schedule(Math.max(0, MIN_GAP_MILLIS - sinceLast), true);
    }

    private void cancelNext() {
        if (next != null) {
            next.cancel(false);
            next = null;
            nextRequested = false;
        }
    }

    private void schedule(long delayMillis, boolean asked) {
        nextRequested = asked;
        next = loop.schedule(this::start, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void start() {
        if (paused || running) {
            return;
        }
        if (nextRequested) {
            onRequest++;
        } else {
            onSchedule++;
        }
        next = null;
        nextRequested = false;
        running = true;
        requested = false;
        lastStartNanos = System.nanoTime();
        List<CompletableFuture<MemberPoll>> polls = new ArrayList<>();
        for (MemberAddress member : members) {
            polls.add(poll(member));
        }
        CompletableFuture.allOf(polls.toArray(new CompletableFuture<?>[0]))
                .whenComplete((ignored, error) -> loop.execute(() -> finish(polls)));
    }

    private CompletableFuture<MemberPoll> poll(MemberAddress member) {
        requestsByMember.addAndGet(members.indexOf(member), 2);
        CompletableFuture<HttpOutcome> view = http.get(member.host(), apiPort, "/cluster");
        CompletableFuture<HttpOutcome> node = http.get(member.host(), apiPort, "/patroni");
        return view.thenCombine(node, (c, n) -> MemberPoll.parse(member, c, n))
                .exceptionally(e -> MemberPoll.failed(member, PollResult.badResponse("poll failed: "
                        + PatroniHttpClient.brief(e))));
    }

    private void finish(List<CompletableFuture<MemberPoll>> polls) {
        running = false;
        if (paused) {
            return;
        }
        try {
            List<MemberPoll> results = new ArrayList<>();
            for (CompletableFuture<MemberPoll> poll : polls) {
                results.add(poll.join());
            }
            finished.accept(results);
        } catch (RuntimeException e) {
            log.error("cluster {}: poll round failed; keeping the last topology", cluster, e);
        } finally {
            if (!paused) {
                long sinceStart = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastStartNanos);
                schedule(Math.max(0, (requested ? MIN_GAP_MILLIS : intervalMillis) - sinceStart), requested);
            }
        }
    }
}
