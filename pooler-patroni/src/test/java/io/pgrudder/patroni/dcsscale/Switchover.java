package io.pgrudder.patroni.dcsscale;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * One switchover as the fleet saw it: when the {@code leader} key named the new leader (as the
 * simulation's own watch of it received the change), and for each instance how long after that
 * its published topology named the new leader.
 *
 * @param from               the leader before
 * @param to                 the candidate, the leader after
 * @param keyAfterRequestMs  from invoking {@code patronictl switchover} to the key naming {@code to}; NaN if not seen
 * @param delaysMs           per instance that saw it, key change to its topology, sorted
 * @param missed             instances that had not named {@code to} when the observation ended
 * @param roundsOnRequest    REST rounds the etcd watch (or a fencing failure) asked for, all instances, during it
 * @param roundsOnSchedule   REST rounds due on schedule, all instances, during it
 */
record Switchover(String from, String to, double keyAfterRequestMs, double[] delaysMs, int missed,
        long roundsOnRequest, long roundsOnSchedule) {

    static Switchover of(String from, String to, long requestedNanos, long keyNanos, long[] firstSeenNanos,
            long roundsOnRequest, long roundsOnSchedule) {
        int missed = 0;
        double[] delays = new double[firstSeenNanos.length];
        int k = 0;
        for (long seen : firstSeenNanos) {
            if (seen == 0 || keyNanos == 0) {
                missed += seen == 0 ? 1 : 0;
                continue;
            }
            delays[k++] = (seen - keyNanos) / 1e6;
        }
        double[] sorted = Arrays.copyOf(delays, k);
        Arrays.sort(sorted);
        return new Switchover(from, to, keyNanos == 0 ? Double.NaN : (keyNanos - requestedNanos) / 1e6, sorted,
                missed, roundsOnRequest, roundsOnSchedule);
    }

    /** The q-quantile (nearest rank) of the delays; empty when nobody saw the new leader. */
    OptionalDouble quantile(double q) {
        if (delaysMs.length == 0) {
            return OptionalDouble.empty();
        }
        int rank = (int) Math.ceil(q * delaysMs.length);
        return OptionalDouble.of(delaysMs[Math.max(0, Math.min(delaysMs.length - 1, rank - 1))]);
    }

    OptionalDouble max() {
        return delaysMs.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(delaysMs[delaysMs.length - 1]);
    }

    long within(double ms) {
        return Arrays.stream(delaysMs).filter(d -> d <= ms).count();
    }
}
