package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.embedded.EmbeddedChannel;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.protocol.PgException;

/**
 * The wait before a SWITCHOVER asks Patroni, on an {@link EmbeddedChannel}'s loop with its time
 * frozen, against a fake {@code /patroni} that answers what the test hands it: Patroni 3.0.2's
 * own answers, captured, with the WAL positions set by the test.
 */
class CatchUpTest {

    private static final String PRIMARY = Captured.read("patroni-3.0.2/switchover-done/patroni-node2.json")
            .orElseThrow();
    private static final String REPLICA = Captured.read("patroni-3.0.2/switchover-promoting/patroni-node2.json")
            .orElseThrow();
    private static final long LEADER_AT = 67111872;
    private static final Member NODE1 = member("node1", 11);
    private static final Member NODE2 = member("node2", 12);
    private static final Member NODE3 = member("node3", 13);

    private EmbeddedChannel channel;
    private final List<String> asked = new ArrayList<>();
    private final List<CompletableFuture<HttpOutcome>> pending = new ArrayList<>();

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish());
    }

    private static Member member(String name, int last) {
        return new Member(name, "127.0.0." + last, 5432, MemberRole.UNKNOWN, Member.STATE_RUNNING, OptionalLong.empty(),
                1, false, false, PollResult.OK);
    }

    private CompletableFuture<String> start(List<Member> candidates, boolean named, long timeoutMillis) {
        CompletableFuture<String> out = CatchUp.await(channel.eventLoop(), m -> {
            asked.add(m.name());
            CompletableFuture<HttpOutcome> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        }, NODE1, candidates, named, timeoutMillis);
        channel.runPendingTasks();
        return out;
    }

    /** Answers the {@code i}-th request so far. */
    private void answer(int i, String body) {
        pending.get(i).complete(HttpOutcome.ok(body));
        channel.runPendingTasks();
    }

    private void advanceMillis(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    private static String replicaAt(long received) {
        return REPLICA.replace("\"received_location\": 67111824", "\"received_location\": " + received);
    }

    private static PgException failure(CompletableFuture<String> f) {
        assertTrue(f.isCompletedExceptionally(), "failed");
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, f::join);
        return assertInstanceOf(PgException.class, e.getCause());
    }

    @Test
    void asksTheLeaderOnceThenTheCandidateAgainWithABackoffUntilItHasEverything() {
        CompletableFuture<String> done = start(List.of(NODE2), true, 5000);
        assertEquals(List.of("node1"), asked, "the leader first");
        answer(0, PRIMARY);
        assertEquals(List.of("node1", "node2"), asked);
        answer(1, replicaAt(LEADER_AT - 48));
        assertFalse(done.isDone(), "48 bytes behind");
        advanceMillis(CatchUp.FIRST_RETRY_MILLIS - 1);
        assertEquals(2, asked.size(), "not before the backoff");
        advanceMillis(1);
        assertEquals(List.of("node1", "node2", "node2"), asked);
        answer(2, replicaAt(LEADER_AT - 1));
        advanceMillis(2 * CatchUp.FIRST_RETRY_MILLIS - 1);
        assertEquals(3, asked.size(), "the backoff doubles");
        advanceMillis(1);
        answer(3, replicaAt(LEADER_AT));
        assertEquals("node2 has received all the WAL node1 had written (up to " + CatchUp.lsn(LEADER_AT) + ")",
                done.join());
        advanceMillis(10_000);
        assertEquals(4, asked.size(), "nothing asked once it has caught up");
    }

    @Test
    void aCandidateStillBehindAtTheDeadlineFailsWithWhereItIs() {
        CompletableFuture<String> done = start(List.of(NODE2), true, 1000);
        answer(0, PRIMARY);
        int answered = 1;
        while (!done.isDone()) {
            while (answered < pending.size()) {
                answer(answered++, replicaAt(LEADER_AT - 4096));
            }
            advanceMillis(10);
        }
        PgException e = failure(done);
        int askedAtTheDeadline = asked.size();
        while (answered < pending.size()) {
            answer(answered++, replicaAt(LEADER_AT - 4096));
        }
        advanceMillis(10_000);
        assertEquals(askedAtTheDeadline, asked.size(), "nothing asked after the deadline");
        assertEquals("55000", e.sqlState());
        assertTrue(e.getMessage().contains("within 1000 ms: node2 received up to " + CatchUp.lsn(LEADER_AT - 4096)
                + ", 4096 bytes behind") && e.getMessage().contains("Patroni was not asked"), e.getMessage());
        assertTrue(asked.size() > 5 && asked.size() < 1000 / CatchUp.FIRST_RETRY_MILLIS, "backed off: " + asked.size());
    }

    @Test
    void aLeaderThatDoesNotSayItIsAPrimaryStopsItAtOnce() {
        CompletableFuture<String> done = start(List.of(NODE2, NODE3), false, 5000);
        answer(0, replicaAt(LEADER_AT));
        PgException e = failure(done);
        assertEquals("55000", e.sqlState());
        assertTrue(e.getMessage().contains("node1's own /patroni does not say where its WAL ends"), e.getMessage());
        assertEquals(List.of("node1"), asked, "no candidate asked");
    }

    @Test
    void whenPatroniChoosesANofailoverMemberDoesNotCountButANamedOneIsLeftToPatroni() {
        String tagged = replicaAt(LEADER_AT).replace("\"patroni\":", "\"tags\": {\"nofailover\": true}, \"patroni\":");
        CompletableFuture<String> any = start(List.of(NODE2, NODE3), false, 5000);
        answer(0, PRIMARY);
        answer(1, tagged);
        answer(2, replicaAt(LEADER_AT - 8));
        assertFalse(any.isDone(), "node2 may not take over, node3 is behind");
        advanceMillis(CatchUp.FIRST_RETRY_MILLIS);
        answer(3, tagged);
        answer(4, replicaAt(LEADER_AT + 100));
        assertTrue(any.join().startsWith("node3 has received"), any.join());

        asked.clear();
        pending.clear();
        CompletableFuture<String> named = start(List.of(NODE2), true, 5000);
        answer(0, PRIMARY);
        answer(1, tagged);
        assertTrue(named.join().startsWith("node2 has received"), "Patroni refuses it itself, and says why");
    }

    @Test
    void anUnansweredCandidateIsAskedAgainAndNamedInTheFailure() {
        CompletableFuture<String> done = start(List.of(NODE2), true, 100);
        answer(0, PRIMARY);
        pending.get(1).complete(HttpOutcome.failed(PollResult.refused("connection refused")));
        channel.runPendingTasks();
        advanceMillis(CatchUp.FIRST_RETRY_MILLIS);
        assertEquals(3, asked.size(), "asked again");
        advanceMillis(100);
        PgException e = failure(done);
        assertTrue(e.getMessage().contains("node2 REFUSED: connection refused"), e.getMessage());
    }

    @Test
    void withNoOtherMemberThereIsNothingToWaitFor() {
        PgException e = failure(start(List.of(), false, 5000));
        assertTrue(e.getMessage().contains("there is no other member to take over"), e.getMessage());
        assertEquals(List.of(), asked);
    }

    @Test
    void positionsAreWrittenAsPostgreSqlWritesAnLsn() {
        assertEquals("0/0", CatchUp.lsn(0));
        assertEquals("1/A0", CatchUp.lsn(0x1_0000_00A0L));
        assertEquals("0/4000BC0", CatchUp.lsn(LEADER_AT));
    }
}
