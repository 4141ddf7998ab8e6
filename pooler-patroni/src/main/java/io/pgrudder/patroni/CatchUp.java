package io.pgrudder.patroni;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.netty.util.concurrent.EventExecutor;

import io.pgrudder.core.topology.Member;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

/**
 * Before a SWITCHOVER asks Patroni: waits until a member that may take over has received all the
 * WAL the leader had written once this pooler's transactions on it were done, so every commit this
 * pooler acknowledged is on the member that will lead. Patroni's own check is weaker: it promotes
 * a candidate up to {@code maximum_lag_on_failover} (1 MiB by default) behind, judged by positions
 * the members wrote to the DCS up to a {@code loop_wait} ago, and with asynchronous replication a
 * candidate that is not streaming yet (just demoted, or reconnecting) becomes leader without what
 * it had not received. Once it has, the rest is Patroni's graceful demotion: PostgreSQL's shutdown
 * sends every remaining byte to the standbys that stream.
 *
 * <p>The leader's position is its own {@code /patroni}'s {@code xlog.location}, read once; a
 * member's is its {@code xlog.received_location}, asked again every {@value #FIRST_RETRY_MILLIS} ms
 * doubling up to {@value #MAX_RETRY_MILLIS} ms until one that is a running replica (and, when
 * Patroni chooses, not tagged {@code nofailover}) has it all, or the time is up. Confined to {@code loop}.
 */
final class CatchUp {

    static final long FIRST_RETRY_MILLIS = 20;
    static final long MAX_RETRY_MILLIS = 250;

    /** Asks one member's own {@code GET /patroni}. */
    interface Asker {
        CompletableFuture<HttpOutcome> patroni(Member member);
    }

    private final EventExecutor loop;
    private final Asker asker;
    private final Member leader;
    private final List<Member> candidates;
    private final long timeoutMillis;
    private final boolean named;
    private final CompletableFuture<String> done = new CompletableFuture<>();
    /** What each candidate said last, in the words of the failure message. */
    private final Map<String, String> last = new LinkedHashMap<>();

    private long target = -1;
    private long backoff = FIRST_RETRY_MILLIS;
    private ScheduledFuture<?> deadline;

    private CatchUp(EventExecutor loop, Asker asker, Member leader, List<Member> candidates, boolean named,
            long timeoutMillis) {
        this.loop = loop;
        this.asker = asker;
        this.leader = leader;
        this.candidates = List.copyOf(candidates);
        this.timeoutMillis = Math.max(1, timeoutMillis);
        this.named = named;
    }

    /**
     * Completes (on {@code loop}) with a line saying which member has caught up, or fails with a
     * {@code PgException} (55000) when the leader cannot say where its WAL ends or no candidate
     * has all of it within {@code timeoutMillis}.
     *
     * @param candidates the member named by {@code SWITCHOVER TO}, else every other member
     * @param named      {@code candidates} is the member {@code SWITCHOVER TO} named
     */
    static CompletableFuture<String> await(EventExecutor loop, Asker asker, Member leader, List<Member> candidates,
            boolean named, long timeoutMillis) {
        CatchUp c = new CatchUp(loop, asker, leader, candidates, named, timeoutMillis);
        loop.execute(c::start);
        return c.done;
    }

    private void start() {
        if (candidates.isEmpty()) {
            fail("there is no other member to take over");
            return;
        }
        deadline = loop.schedule(this::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        done.whenComplete((r, e) -> deadline.cancel(false));
        asker.patroni(leader).whenComplete((outcome, e) -> loop.execute(() -> leaderSaid(outcome, e)));
    }

    private void leaderSaid(HttpOutcome outcome, Throwable e) {
        if (done.isDone()) {
            return;
        }
        Said said = said(outcome, e);
        if (said.position().isEmpty() || said.status() == null || !said.status().isRunningPrimary()) {
            fail(leader.name() + "'s own /patroni does not say where its WAL ends as a running primary ("
                    + said.why() + ")");
            return;
        }
        target = said.position().getAsLong();
        askCandidates();
    }

    private void askCandidates() {
        if (done.isDone()) {
            return; // a retry scheduled before the deadline
        }
        List<CompletableFuture<Said>> round = new ArrayList<>();
        for (Member m : candidates) {
            round.add(asker.patroni(m).handle(CatchUp::said));
        }
        CompletableFuture.allOf(round.toArray(CompletableFuture[]::new))
                .whenComplete((x, e) -> loop.execute(() -> decide(round)));
    }

    /** On loop, once every candidate of one round has answered or failed. */
    private void decide(List<CompletableFuture<Said>> round) {
        if (done.isDone()) {
            return;
        }
        for (int i = 0; i < candidates.size(); i++) {
            Member m = candidates.get(i);
            String verdict = verdict(round.get(i).join(), target, named);
            if (verdict == null) {
                done.complete(m.name() + " has received all the WAL " + leader.name() + " had written (up to "
                        + lsn(target) + ")");
                return;
            }
            last.put(m.name(), verdict);
        }
        loop.schedule(this::askCandidates, backoff, TimeUnit.MILLISECONDS);
        backoff = Math.min(MAX_RETRY_MILLIS, backoff * 2);
    }

    /**
     * Null when {@code s} has everything up to {@code target} and may take over; else why not. A
     * member named by {@code SWITCHOVER TO} ({@code named}) is not judged on its tags: Patroni
     * refuses one tagged {@code nofailover} itself and says so.
     */
    static String verdict(Said s, long target, boolean named) {
        if (s.status() == null) {
            return s.why();
        }
        NodeStatus n = s.status();
        if (!named && n.noFailover()) {
            return "tagged nofailover";
        }
        if (!"replica".equals(n.role()) || !"running".equals(n.state())) {
            return "role " + n.role() + ", state " + n.state();
        }
        if (s.position().isEmpty()) {
            return "no WAL position";
        }
        long behind = target - s.position().getAsLong();
        return behind <= 0 ? null : "received up to " + lsn(s.position().getAsLong()) + ", " + behind + " bytes behind";
    }

    private void timedOut() {
        if (target < 0) {
            fail(leader.name() + "'s own /patroni did not answer within " + timeoutMillis + " ms");
            return;
        }
        fail("no member that may take over has received all the WAL " + leader.name() + " had written (up to "
                + lsn(target) + ") within " + timeoutMillis + " ms: " + last.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("; ")));
    }

    private void fail(String why) {
        done.completeExceptionally(PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER: " + why
                + ". Patroni was not asked: it would promote a member without the commits it has not received, and "
                + leader.name() + " takes new transactions again"));
    }

    /** One {@code /patroni} answer: the member's view of itself and its WAL position, or why there is none. */
    record Said(NodeStatus status, OptionalLong position, String why) {
    }

    static Said said(HttpOutcome outcome, Throwable e) {
        if (e != null) {
            return new Said(null, OptionalLong.empty(), String.valueOf(e.getMessage()));
        }
        if (!outcome.result().ok()) {
            return new Said(null, OptionalLong.empty(), outcome.result().kind() + ": " + outcome.result().reason());
        }
        try {
            return new Said(PatroniJson.parseNodeStatus(outcome.body()), PatroniJson.walPosition(outcome.body()), "");
        } catch (PatroniJsonException bad) {
            return new Said(null, OptionalLong.empty(), "bad answer: " + bad.getMessage());
        }
    }

    /** PostgreSQL's way of writing a WAL position: {@code 0/4000C40}. */
    static String lsn(long bytes) {
        return Long.toHexString(bytes >>> 32).toUpperCase() + "/" + Long.toHexString(bytes & 0xffffffffL).toUpperCase();
    }
}
