package io.pgrudder.patroni;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

import io.netty.channel.EventLoop;

import io.pgrudder.core.topology.PollResult;

/**
 * While the etcd watch is live, the leader the DCS names is published only once its own
 * {@code GET /patroni} says it runs as primary: REST stays the fence, but only that one member is
 * asked, and only when the DCS names a leader anew (the holder changed, or its member key's role
 * or state did), or when asked again ({@link #recheck()}, a fencing failure). Patroni writes the
 * {@code leader} key before it promotes PostgreSQL, so the first answer often says replica: then
 * it asks again after a backoff ({@value #FIRST_RETRY_MILLIS} ms doubling up to the poll interval),
 * at most {@value #MAX_ATTEMPTS} times, until it says primary or the DCS names someone else; the
 * member key saying {@code master} (Patroni's next loop) starts it afresh.
 *
 * <p>Every ask waits a random 0–{@value #JITTER_MILLIS} ms first, so that the pooler instances
 * watching the same keys, which all learn the change at the same moment, do not all connect to
 * the same Patroni at once (its REST API listens with a backlog of 5).
 *
 * <p>Confined to the poller's event loop; {@link #requests()} may be read from any thread.
 */
final class LeaderFence {

    static final long FIRST_RETRY_MILLIS = 50;
    static final int MAX_ATTEMPTS = 12;
    static final long JITTER_MILLIS = 50;

    /** The member the DCS names as leader: its name and configured address. */
    record Target(String name, MemberAddress address) {
        Target {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
        }
    }

    /** The last thing {@code target}'s own {@code /patroni} said, or why it said nothing. */
    record Answer(Target target, MemberPoll.Status status) {
    }

    /** Asks one member's {@code /patroni}. */
    interface Asker {
        CompletableFuture<HttpOutcome> patroni(MemberAddress member);
    }

    private final EventLoop loop;
    private final Asker asker;
    private final long maxBackoffMillis;
    private final LongUnaryOperator jitter;
    private final Runnable answered;
    private volatile long requests;

    // Confined to loop.
    private Target target;
    private Answer answer;
    private int attempts;
    private long generation;
    private ScheduledFuture<?> next;

    /**
     * @param jitter   a random delay in [0, bound] for a bound; {@link #randomJitter()} but in tests
     * @param answered run on loop after each answer that counts (the poller decides again)
     */
    LeaderFence(EventLoop loop, Asker asker, long maxBackoffMillis, LongUnaryOperator jitter, Runnable answered) {
        this.loop = loop;
        this.asker = asker;
        this.maxBackoffMillis = Math.max(FIRST_RETRY_MILLIS, maxBackoffMillis);
        this.jitter = jitter;
        this.answered = answered;
    }

    static LongUnaryOperator randomJitter() {
        return bound -> ThreadLocalRandom.current().nextLong(bound + 1);
    }

    /**
     * The DCS now names {@code now} (empty: nobody who runs and is configured), or named it again
     * with another role or state: ask it afresh. A new target has no answer until it answers; the
     * same one keeps its last answer meanwhile.
     */
    void follow(Optional<Target> now) {
        cancel();
        if (now.isEmpty()) {
            target = null;
            answer = null;
            return;
        }
        if (!now.get().equals(target)) {
            answer = new Answer(now.get(), new MemberPoll.Status(
                    PollResult.timeout("its own /patroni has not answered yet"), Optional.empty()));
        }
        target = now.get();
        schedule(jitter.applyAsLong(JITTER_MILLIS));
    }

    /** Ask the current target again (a fencing failure, {@code pollNow}), keeping its last answer meanwhile. */
    void recheck() {
        if (target != null) {
            cancel();
            schedule(jitter.applyAsLong(JITTER_MILLIS));
        }
    }

    /** The watch is no longer live: nothing is asked, nothing is known. */
    void stop() {
        follow(Optional.empty());
    }

    Optional<Answer> answer() {
        return Optional.ofNullable(answer);
    }

    /** {@code /patroni} requests sent so far. */
    long requests() {
        return requests;
    }

    private void cancel() {
        generation++;
        attempts = 0;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    private void schedule(long delayMillis) {
        long g = generation;
        next = loop.schedule(() -> attempt(g), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void attempt(long g) {
        if (g != generation || target == null) {
            return;
        }
        next = null;
        attempts++;
        requests++;
        Target asked = target;
        asker.patroni(asked.address()).whenComplete((outcome, error) -> loop.execute(() -> {
            if (g != generation) {
                return; // the DCS named someone else meanwhile, or asked again
            }
            MemberPoll.Status status = error != null
                    ? new MemberPoll.Status(PollResult.badResponse("poll failed: " + PatroniHttpClient.brief(error)),
                            Optional.empty())
                    : MemberPoll.status(outcome);
            answer = new Answer(asked, status);
            answered.run();
            boolean primary = status.node().map(NodeStatus::isRunningPrimary).orElse(false);
            if (!primary && attempts < MAX_ATTEMPTS && g == generation) {
                long backoff = Math.min(maxBackoffMillis, FIRST_RETRY_MILLIS << Math.min(attempts - 1, 16));
                schedule(backoff + jitter.applyAsLong(JITTER_MILLIS));
            }
        }));
    }
}
