package io.pgrudder.patroni;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;

/**
 * What may hold a cluster's leader for a pending switchover, for one {@link PatroniPoller}: the
 * DCS's {@code failover} key as the etcd watch last saw it (with a timer for its
 * {@code scheduled_at}), and this pooler's own SWITCHOVER, which comes first. Confined to the
 * poller's event loop but for {@link #dcsKey()}; {@code reconsider} is run whenever what holds
 * may have changed, so the poller publishes the topology again.
 */
final class LeaderHolds {
    private final EventLoop loop;
    private final Runnable reconsider;

    private volatile Optional<PendingSwitchover> dcsKey = Optional.empty();
    private Optional<PendingSwitchover> local = Optional.empty();
    private ScheduledFuture<?> due;

    LeaderHolds(EventLoop loop, Runnable reconsider) {
        this.loop = loop;
        this.reconsider = reconsider;
    }

    /** What holds now: this pooler's SWITCHOVER, else the failover key. */
    Optional<PendingSwitchover> holding() {
        return local.isPresent() ? local : dcsKey;
    }

    /** The failover key as the watch last saw it (any thread). */
    Optional<PendingSwitchover> dcsKey() {
        return dcsKey;
    }

    /** The failover key changed (or the watch went down: empty); a future {@code scheduled_at} is watched. */
    void dcsKey(Optional<PendingSwitchover> now) {
        dcsKey = now;
        cancelDue();
        Instant at = now.flatMap(PendingSwitchover::scheduledAt).orElse(null);
        if (at != null && Instant.now().isBefore(at)) {
            long millis = Math.max(1, Duration.between(Instant.now(), at).toMillis() + 1);
            due = loop.schedule(() -> {
                due = null;
                reconsider.run();
            }, millis, TimeUnit.MILLISECONDS);
        }
        reconsider.run();
    }

    /** This pooler's SWITCHOVER holds for {@code request}; false when another one does already. */
    boolean holdLocally(PendingSwitchover request) {
        if (local.isPresent()) {
            return false;
        }
        local = Optional.of(request);
        reconsider.run();
        return true;
    }

    /** Ends the hold of {@code request}, if it still holds. */
    void releaseLocally(PendingSwitchover request) {
        if (local.isPresent() && local.get() == request) {
            local = Optional.empty();
            reconsider.run();
        }
    }

    void close() {
        cancelDue();
    }

    private void cancelDue() {
        if (due != null) {
            due.cancel(false);
            due = null;
        }
    }
}
