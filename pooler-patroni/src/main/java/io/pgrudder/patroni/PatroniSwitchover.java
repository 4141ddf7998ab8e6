package io.pgrudder.patroni;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Switchover;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

/**
 * A switchover this pooler runs through its {@link PatroniPoller}: the hold is the poller's own
 * pending switchover (held exactly as a due {@code failover} key in the DCS holds), the request is
 * Patroni's {@code POST /switchover} to the leader's REST API, which answers once the switchover
 * is done or has failed (patroni/api.py {@code do_POST_failover}, polling the DCS for the result),
 * and the new leader is the one the poller confirms through each member's own {@code /patroni}.
 */
final class PatroniSwitchover implements Switchover {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PatroniPoller poller;
    private final PatroniHttpClient http;
    private final int apiPort;
    /** HTTP Basic for Patroni's restapi.authentication (patroni_api_username/_password), or null. */
    private final String authorization;

    PatroniSwitchover(PatroniPoller poller, PatroniHttpClient http, int apiPort, Optional<String> authorization) {
        this.poller = poller;
        this.http = http;
        this.apiPort = apiPort;
        this.authorization = authorization.orElse(null);
    }

    @Override
    public CompletableFuture<Hold> hold(Optional<String> candidate) {
        CompletableFuture<Hold> out = new CompletableFuture<>();
        try {
            poller.loop().execute(() -> {
                try {
                    out.complete(holdOnLoop(candidate));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(closed());
        }
        return out;
    }

    private Hold holdOnLoop(Optional<String> candidate) {
        Topology t = poller.current();
        String cluster = "cluster \"" + t.clusterName() + "\"";
        Member leader = t.leader().orElseThrow(() -> PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                "SWITCHOVER: " + cluster + " has no leader to switch over from"));
        if (candidate.isPresent()) {
            String c = candidate.get();
            if (t.member(c).isEmpty()) {
                throw PgException.error(SqlState.INVALID_PARAMETER_VALUE, "SWITCHOVER: \"" + c + "\" is not a member of "
                        + cluster + "; members: " + t.members().stream().map(Member::name).collect(Collectors.joining(", ")));
            }
            if (c.equals(leader.name())) {
                throw PgException.error(SqlState.INVALID_PARAMETER_VALUE, "SWITCHOVER: " + c + " already leads " + cluster);
            }
        }
        if (poller.isClosed()) {
            throw closed();
        }
        PendingSwitchover request = new PendingSwitchover(Optional.of(leader.name()), candidate, Optional.empty());
        boolean held;
        try {
            held = poller.holdLocally(request);
        } catch (RuntimeException e) {
            try {
                poller.releaseLocally(request); // it may hold already: publishing failed after
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        if (!held) {
            throw PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER: another SWITCHOVER of "
                    + cluster + " is running on this pooler");
        }
        return new Held(request, leader);
    }

    /**
     * The request reached Patroni but its answer does not say the switchover will not happen: no
     * answer in time, the connection closed after the request was written, or Patroni's own 503
     * "Switchover status unknown" (its poll of the result ran out). A refused connection, a connect
     * timeout and every other status (412 and the rest: refused, or failed) are a verdict.
     */
    static boolean mayStillHappen(io.pgrudder.core.topology.PollResult result) {
        String reason = result.reason();
        return switch (result.kind()) {
            case TIMEOUT -> reason.startsWith("no answer");
            case CLOSED -> !reason.startsWith("connect failed");
            case BAD_RESPONSE -> reason.startsWith("HTTP 503") && reason.contains("status unknown");
            default -> false;
        };
    }

    private static PgException closed() {
        return PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER: this pool's Patroni poller is "
                + "closed (a reload replaced it); try again");
    }

    /** One hold, from {@link #hold} until {@link #release()}. */
    private final class Held implements Hold {
        private final PendingSwitchover request;
        private final Member leader;
        private final AtomicBoolean released = new AtomicBoolean();
        private final CompletableFuture<Void> releasedNow = new CompletableFuture<>();

        Held(PendingSwitchover request, Member leader) {
            this.request = request;
            this.leader = leader;
        }

        @Override
        public String leader() {
            return leader.name();
        }

        @Override
        public CompletableFuture<String> caughtUp(Duration timeout) {
            Topology t = poller.current();
            List<Member> candidates = request.candidate()
                    .map(c -> t.member(c).map(List::of).orElse(List.of()))
                    .orElseGet(() -> t.members().stream().filter(m -> !m.name().equals(leader.name())).toList());
            return CatchUp.await(poller.loop(), m -> http.get(m.host(), apiPort, "/patroni"), leader, candidates,
                    request.candidate().isPresent(), timeout.toMillis());
        }

        @Override
        public CompletableFuture<String> request(Duration timeout) {
            ObjectNode body = JSON.createObjectNode().put("leader", leader.name());
            request.candidate().ifPresent(c -> body.put("candidate", c));
            String where = "POST /switchover to " + leader.name() + " (" + leader.host() + ":" + apiPort + ")";
            return http.act(leader.host(), apiPort, "/switchover", body.toString(), authorization, timeout).thenApply(outcome -> {
                if (outcome.result().ok()) {
                    return outcome.body().strip();
                }
                if (mayStillHappen(outcome.result())) {
                    // Sent, but no verdict: the topology will tell (the caller waits for a new leader).
                    return "no verdict (" + outcome.result().reason() + ")";
                }
                throw PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER: Patroni did not "
                        + "switch over: " + where + ": " + outcome.result().reason());
            });
        }

        @Override
        public CompletableFuture<String> newLeader() {
            CompletableFuture<String> out = new CompletableFuture<>();
            Runnable stop = poller.subscribe(t -> t.leaderName().filter(n -> !n.equals(leader.name()))
                    .ifPresent(out::complete));
            out.whenComplete((n, e) -> stop.run());
            poller.pollNow();
            return out;
        }

        @Override
        public CompletableFuture<Void> release() {
            if (released.compareAndSet(false, true)) {
                try {
                    poller.loop().execute(() -> {
                        try {
                            poller.releaseLocally(request);
                        } finally {
                            releasedNow.complete(null);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    releasedNow.complete(null); // the poller is closed (a reload retired it): nothing holds
                }
            }
            return releasedNow;
        }
    }
}
