package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.embedded.EmbeddedChannel;

import io.pgrudder.core.topology.PollResult;

/**
 * The leader's fence on an {@link EmbeddedChannel}'s loop with its time frozen, asking a fake
 * {@code /patroni} that answers what the test hands it (Patroni 3.0.2's own answers, captured):
 * the test moves the clock and sees each request go out.
 */
class LeaderFenceTest {

    private static final LeaderFence.Target NODE2 = new LeaderFence.Target("node2", Captured.ADDRESSES.get(1));
    private static final LeaderFence.Target NODE3 = new LeaderFence.Target("node3", Captured.ADDRESSES.get(2));
    private static final String REPLICA = Captured.read("patroni-3.0.2/switchover-promoting/patroni-node2.json")
            .orElseThrow();
    private static final String PRIMARY = Captured.read("patroni-3.0.2/switchover-done/patroni-node2.json")
            .orElseThrow();

    private EmbeddedChannel channel;
    private final List<MemberAddress> asked = new ArrayList<>();
    private final List<CompletableFuture<HttpOutcome>> pending = new ArrayList<>();
    private int answers;
    private LeaderFence fence;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        fence = new LeaderFence(channel.eventLoop(), member -> {
            asked.add(member);
            CompletableFuture<HttpOutcome> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        }, 1000, bound -> bound, () -> answers++);
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish());
    }

    private void advanceMillis(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    /** The last request gets {@code body} (a 200). */
    private void answer(String body) {
        pending.get(pending.size() - 1).complete(HttpOutcome.ok(body));
        channel.runPendingTasks();
    }

    private boolean confirmed() {
        return fence.answer().flatMap(a -> a.status().node()).map(NodeStatus::isRunningPrimary).orElse(false);
    }

    @Test
    void asksOnlyTheNamedMemberAfterItsJitterAndStopsOnceItSaysPrimary() {
        fence.follow(Optional.of(NODE2));
        assertEquals(PollResult.Kind.TIMEOUT, fence.answer().orElseThrow().status().result().kind(),
                "nothing known before it answers");
        advanceMillis(LeaderFence.JITTER_MILLIS - 1);
        assertEquals(List.of(), asked);
        advanceMillis(1);
        assertEquals(List.of(NODE2.address()), asked);
        answer(PRIMARY);
        assertTrue(confirmed());
        assertEquals(1, answers);
        advanceMillis(60_000);
        assertEquals(1, asked.size(), "nothing more once it said primary");
        assertEquals(1, fence.requests());
    }

    @Test
    void asksAgainWithBackoffWhileItIsStillAReplica() {
        fence.follow(Optional.of(NODE2));
        advanceMillis(LeaderFence.JITTER_MILLIS);
        answer(REPLICA);
        assertFalse(confirmed());
        advanceMillis(LeaderFence.FIRST_RETRY_MILLIS + LeaderFence.JITTER_MILLIS - 1);
        assertEquals(1, asked.size());
        advanceMillis(1);
        assertEquals(2, asked.size());
        answer(REPLICA);
        advanceMillis(2 * LeaderFence.FIRST_RETRY_MILLIS + LeaderFence.JITTER_MILLIS);
        assertEquals(3, asked.size(), "the second retry waits twice as long");
        answer(PRIMARY);
        assertTrue(confirmed());
        advanceMillis(60_000);
        assertEquals(3, asked.size());
    }

    @Test
    void givesUpAfterItsLastAttemptUntilTheKeysChangeAgain() {
        fence.follow(Optional.of(NODE2));
        for (int i = 0; i < 2 * LeaderFence.MAX_ATTEMPTS; i++) {
            advanceMillis(1000 + LeaderFence.JITTER_MILLIS); // the longest backoff (the poll interval) and jitter
            if (!pending.isEmpty() && !pending.get(pending.size() - 1).isDone()) {
                answer(REPLICA);
            }
        }
        assertEquals(LeaderFence.MAX_ATTEMPTS, asked.size());
        assertFalse(confirmed());
        fence.follow(Optional.of(NODE2));
        advanceMillis(LeaderFence.JITTER_MILLIS);
        assertEquals(LeaderFence.MAX_ATTEMPTS + 1, asked.size(), "its key changed role: asked afresh");
    }

    @Test
    void anAnswerFromBeforeTheDcsNamedSomeoneElseDoesNotCount() {
        fence.follow(Optional.of(NODE2));
        advanceMillis(LeaderFence.JITTER_MILLIS);
        CompletableFuture<HttpOutcome> fromNode2 = pending.get(0);
        fence.follow(Optional.of(NODE3));
        fromNode2.complete(HttpOutcome.ok(PRIMARY));
        channel.runPendingTasks();
        assertEquals(0, answers);
        assertEquals(NODE3, fence.answer().orElseThrow().target());
        assertFalse(confirmed());
        advanceMillis(LeaderFence.JITTER_MILLIS);
        assertEquals(List.of(NODE2.address(), NODE3.address()), asked);
    }

    @Test
    void aRecheckKeepsTheLastAnswerUntilTheNewOneComesAndNobodyNamedAsksNothing() {
        fence.follow(Optional.of(NODE2));
        advanceMillis(LeaderFence.JITTER_MILLIS);
        answer(PRIMARY);
        fence.recheck();
        assertTrue(confirmed(), "still the last answer while the new one is out");
        advanceMillis(LeaderFence.JITTER_MILLIS);
        assertEquals(2, asked.size());
        pending.get(1).complete(HttpOutcome.failed(PollResult.refused("connection refused")));
        channel.runPendingTasks();
        assertEquals(PollResult.Kind.REFUSED, fence.answer().orElseThrow().status().result().kind());
        fence.stop();
        assertEquals(Optional.empty(), fence.answer());
        advanceMillis(60_000);
        assertEquals(2, asked.size());
    }
}
