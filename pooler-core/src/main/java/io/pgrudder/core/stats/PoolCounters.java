package io.pgrudder.core.stats;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Running totals of one (pool, user), pgcat's SHOW STATS columns: counts, bytes, and times in
 * microseconds. Written from any client loop; the averages are recomputed once per
 * {@link #STAT_PERIOD_SECONDS} by {@link #rollPeriod()} (pgcat's STAT_PERIOD).
 */
public final class PoolCounters {
    public static final int STAT_PERIOD_SECONDS = 15;

    private final String pool;
    private final String user;
    final LongAdder xactCount = new LongAdder();
    final LongAdder queryCount = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder xactTimeMicros = new LongAdder();
    final LongAdder queryTimeMicros = new LongAdder();
    final LongAdder waitTimeMicros = new LongAdder();
    final LongAdder errors = new LongAdder();
    /** Times a client was given a server connection (PgBouncer's server_assignment_count). */
    final LongAdder assignments = new LongAdder();

    private Totals last = Totals.ZERO;
    private volatile Averages averages = Averages.ZERO;

    PoolCounters(String pool, String user) {
        this.pool = pool;
        this.user = user;
    }

    public String pool() {
        return pool;
    }

    public String user() {
        return user;
    }

    public Totals totals() {
        return new Totals(xactCount.sum(), queryCount.sum(), received.sum(), sent.sum(), xactTimeMicros.sum(),
                queryTimeMicros.sum(), waitTimeMicros.sum(), errors.sum());
    }

    public long serverAssignments() {
        return assignments.sum();
    }

    /** The averages of the last complete period. */
    public Averages averages() {
        return averages;
    }

    /** Closes a period: counts become per-second rates, times become per-transaction/query means (µs). */
    synchronized void rollPeriod() {
        Totals now = totals();
        Totals d = now.minus(last);
        last = now;
        long p = STAT_PERIOD_SECONDS;
        averages = new Averages(d.xactCount() / p, d.queryCount() / p, d.received() / p, d.sent() / p,
                d.errors() / p, d.xactCount() == 0 ? 0 : d.xactTime() / d.xactCount(),
                d.queryCount() == 0 ? 0 : d.queryTime() / d.queryCount(),
                d.xactCount() == 0 ? 0 : d.waitTime() / d.xactCount());
    }

    static long micros(long nanos) {
        return TimeUnit.NANOSECONDS.toMicros(nanos);
    }

    /** Totals since start; times in microseconds. */
    public record Totals(long xactCount, long queryCount, long received, long sent, long xactTime, long queryTime,
                         long waitTime, long errors) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0);

        public Totals plus(Totals o) {
            return new Totals(xactCount + o.xactCount, queryCount + o.queryCount, received + o.received,
                    sent + o.sent, xactTime + o.xactTime, queryTime + o.queryTime, waitTime + o.waitTime,
                    errors + o.errors);
        }

        Totals minus(Totals o) {
            return new Totals(xactCount - o.xactCount, queryCount - o.queryCount, received - o.received,
                    sent - o.sent, xactTime - o.xactTime, queryTime - o.queryTime, waitTime - o.waitTime,
                    errors - o.errors);
        }
    }

    /** pgcat's avg_* columns for the last period. */
    public record Averages(long xactCount, long queryCount, long recv, long sent, long errors, long xactTime,
                           long queryTime, long waitTime) {
        static final Averages ZERO = new Averages(0, 0, 0, 0, 0, 0, 0, 0);
    }
}
