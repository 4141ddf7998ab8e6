package io.pgrudder.server.metrics;

import io.pgrudder.core.stats.PoolCounters;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * pgcat's avg_* for each server series: the last complete period's per-second rates and
 * per-transaction/query mean times, computed from two scrapes at least one period apart (pgcat's
 * STAT_PERIOD is 15 s). Before the first period has passed the averages are 0. Used under the
 * exporter's lock.
 */
final class Periods {
    private final long periodNanos;
    private final Map<String, Window> windows = new HashMap<>();

    Periods(Duration period) {
        this.periodNanos = period.toNanos();
    }

    PoolCounters.Averages averages(String key, PoolCounters.Totals now, long nowNanos) {
        Window w = windows.computeIfAbsent(key, k -> new Window(now, nowNanos, zero()));
        long elapsed = nowNanos - w.startNanos;
        if (elapsed >= periodNanos) {
            w.averages = of(now, w.start, elapsed);
            w.start = now;
            w.startNanos = nowNanos;
        }
        return w.averages;
    }

    static PoolCounters.Averages of(PoolCounters.Totals now, PoolCounters.Totals then, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        long xacts = now.xactCount() - then.xactCount();
        long queries = now.queryCount() - then.queryCount();
        return new PoolCounters.Averages(Math.round(xacts / seconds), Math.round(queries / seconds),
                Math.round((now.received() - then.received()) / seconds), Math.round((now.sent() - then.sent()) / seconds),
                Math.round((now.errors() - then.errors()) / seconds),
                xacts == 0 ? 0 : (now.xactTime() - then.xactTime()) / xacts,
                queries == 0 ? 0 : (now.queryTime() - then.queryTime()) / queries,
                xacts == 0 ? 0 : (now.waitTime() - then.waitTime()) / xacts);
    }

    private static PoolCounters.Averages zero() {
        return new PoolCounters.Averages(0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static final class Window {
        PoolCounters.Totals start;
        long startNanos;
        PoolCounters.Averages averages;

        Window(PoolCounters.Totals start, long startNanos, PoolCounters.Averages averages) {
            this.start = start;
            this.startNanos = startNanos;
            this.averages = averages;
        }
    }
}
