package io.pgrudder.patroni.dcsscale;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * One switchover as the fleet saw it. Two moments in etcd, as the simulation's own watch received
 * them: the {@code leader} key naming the new leader (Patroni writes it before it promotes
 * PostgreSQL), and the new leader's {@code members/} key saying it runs as primary (written at
 * Patroni's next loop after the promotion; its own {@code /patroni} says so before). For each
 * instance, how long after each of them its published topology named the new leader.
 *
 * @param from               the leader before
 * @param to                 the candidate, the leader after
 * @param keyAfterRequestMs  from invoking {@code patronictl switchover} to the leader key naming {@code to}; NaN if not seen
 * @param promotedAfterKeyMs from the leader key naming {@code to} to its member key saying primary; NaN if not seen
 * @param fromKeyMs          per instance that saw it, leader key to its topology, sorted
 * @param fromPromotedMs     per instance that saw it, member key saying primary to its topology, sorted
 * @param missed             instances that had not named {@code to} when the observation ended
 * @param roundsOnRequest    REST rounds the etcd watch asked for, all instances, during it
 * @param roundsOnSchedule   REST rounds due on schedule, all instances, during it
 * @param leaderChecks       GET /patroni requests to the leader the DCS named, all instances, during it
 */
record Switchover(String from, String to, double keyAfterRequestMs, double promotedAfterKeyMs, double[] fromKeyMs,
        double[] fromPromotedMs, int missed, long roundsOnRequest, long roundsOnSchedule, long leaderChecks) {

    static Switchover of(String from, String to, long requestedNanos, long keyNanos, long promotedNanos,
            long[] firstSeenNanos, long roundsOnRequest, long roundsOnSchedule, long leaderChecks) {
        int missed = 0;
        for (long seen : firstSeenNanos) {
            missed += seen == 0 ? 1 : 0;
        }
        return new Switchover(from, to, since(requestedNanos, keyNanos), since(keyNanos, promotedNanos),
                delays(keyNanos, firstSeenNanos), delays(promotedNanos, firstSeenNanos), missed, roundsOnRequest,
                roundsOnSchedule, leaderChecks);
    }

    private static double since(long from, long to) {
        return from == 0 || to == 0 ? Double.NaN : (to - from) / 1e6;
    }

    /** From {@code origin} to each instance that saw it, sorted; none when the origin was not seen. */
    private static double[] delays(long origin, long[] firstSeenNanos) {
        if (origin == 0) {
            return new double[0];
        }
        return Arrays.stream(firstSeenNanos).filter(seen -> seen != 0).mapToDouble(seen -> (seen - origin) / 1e6)
                .sorted().toArray();
    }

    /** The q-quantile (nearest rank) of sorted delays; empty when there are none. */
    static OptionalDouble quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return OptionalDouble.empty();
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return OptionalDouble.of(sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))]);
    }

    static OptionalDouble max(double[] sorted) {
        return sorted.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(sorted[sorted.length - 1]);
    }

    /** Instances whose topology named the new leader at most {@code ms} after the leader key did. */
    long withinOfKey(double ms) {
        return Arrays.stream(fromKeyMs).filter(d -> d <= ms).count();
    }

    /** Instances whose topology named the new leader at most {@code ms} after its member key said primary. */
    long withinOfPromoted(double ms) {
        return Arrays.stream(fromPromotedMs).filter(d -> d <= ms).count();
    }
}
