package io.pgrudder.core.topology;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What the metrics say about one cluster over time, fed by every snapshot its source publishes:
 * leader changes, time spent with no leader, and the latest snapshot.
 */
public final class TopologyCounters {
    private final Supplier<DcsWatch> watch;
    private final AtomicLong leaderChanges = new AtomicLong();
    private final AtomicLong noLeaderNanos = new AtomicLong();
    private volatile Topology latest;
    private volatile String lastLeader;
    /** System.nanoTime() when the cluster lost its leader; 0 while it has one. */
    private volatile long noLeaderSince;

    public TopologyCounters() {
        this(() -> DcsWatch.OFF);
    }

    /** @param watch how the source's DCS watch stands, asked when read */
    public TopologyCounters(Supplier<DcsWatch> watch) {
        this.watch = Objects.requireNonNull(watch, "watch");
    }

    /** Called by the source for each published snapshot (one thread at a time). */
    public void observe(Topology topology) {
        latest = topology;
        String leader = topology.leaderName().orElse(null);
        long now = System.nanoTime();
        if (leader == null) {
            if (noLeaderSince == 0 && lastLeader != null) {
                noLeaderSince = now;
            }
            return;
        }
        if (noLeaderSince != 0) {
            noLeaderNanos.addAndGet(now - noLeaderSince);
            noLeaderSince = 0;
        }
        if (lastLeader != null && !Objects.equals(lastLeader, leader)) {
            leaderChanges.incrementAndGet();
        }
        lastLeader = leader;
    }

    public long leaderChanges() {
        return leaderChanges.get();
    }

    /** Seconds without a leader since the first leader was seen, the current gap included. */
    public double noLeaderSeconds() {
        long since = noLeaderSince;
        long ongoing = since == 0 ? 0 : System.nanoTime() - since;
        return (noLeaderNanos.get() + ongoing) / 1e9;
    }

    public boolean hasLeader() {
        Topology t = latest;
        return t != null && t.leaderName().isPresent();
    }

    /** The leader is held for a pending switchover: new transactions wait. */
    public boolean leaderHeld() {
        Topology t = latest;
        return t != null && t.leaderHeld();
    }

    public DcsWatch dcsWatch() {
        return watch.get();
    }

    /** Members whose last poll failed (timeout, refused, closed, bad answer). */
    public long membersFailing() {
        Topology t = latest;
        return t == null ? 0 : t.members().stream().filter(m -> !m.lastPoll().ok()).count();
    }
}
