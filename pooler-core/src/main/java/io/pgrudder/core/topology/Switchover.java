package io.pgrudder.core.topology;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A planned switchover this pooler runs itself (the admin console's {@code SWITCHOVER}): hold the
 * leader for new transactions, let the running ones finish, ask Patroni to switch over, and let
 * the held ones start on the new leader. A {@link TopologySource} that can ask its cluster for one
 * offers this through {@link TopologySource#switchover()}.
 */
public interface Switchover {

    /**
     * Holds the current leader for new transactions, as a due {@code failover} key in the DCS does
     * ({@link Topology#leaderHeld()}), until the hold is released or another member leads.
     *
     * @param candidate the member to take over; empty = Patroni's choice among the healthy replicas
     * @return the hold, once a topology with the leader held is published; failed with a
     *         {@code PgException} when there is no leader or the candidate is not another member
     */
    CompletableFuture<Hold> hold(Optional<String> candidate);

    /** One held switchover; safe from any thread. */
    interface Hold {
        /** The leader held, the one Patroni is asked to switch away from. */
        String leader();

        /**
         * Completes once a member that may take over (the candidate, when one was named) has
         * received all the WAL the leader has written by now. Called once nothing of this pooler
         * runs on the leader, so every commit it acknowledged is then on that member; failed with
         * a {@code PgException} when none has within {@code timeout}, and then Patroni must not be
         * asked: with asynchronous replication it would promote a member that lacks them.
         */
        CompletableFuture<String> caughtUp(java.time.Duration timeout);

        /**
         * Asks Patroni to switch over, waiting up to {@code timeout} for its answer (it answers when
         * the switchover is done); completes with the answer, failed with a {@code PgException} when
         * it refused, failed or did not answer in time.
         */
        CompletableFuture<String> request(java.time.Duration timeout);

        /** Completes with the name of the next leader once the topology confirms one other than {@link #leader()}. */
        CompletableFuture<String> newLeader();

        /**
         * Ends the hold: new transactions start on whoever leads now. Idempotent; completes once
         * the topology without the hold is published (at once when it was released already).
         */
        CompletableFuture<Void> release();
    }
}
