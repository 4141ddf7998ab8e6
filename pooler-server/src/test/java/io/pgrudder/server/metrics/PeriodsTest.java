package io.pgrudder.server.metrics;

import io.pgrudder.core.stats.PoolCounters;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeriodsTest {
    private static PoolCounters.Totals totals(long xacts, long queries, long xactTime, long queryTime) {
        return new PoolCounters.Totals(xacts, queries, 1000 * queries, 500 * queries, xactTime, queryTime, 0, 0);
    }

    @Test
    void averagesAreZeroUntilAPeriodHasPassedThenRatesAndMeanTimes() {
        Periods p = new Periods(Duration.ofSeconds(15));
        long s = 1_000_000_000L;
        assertEquals(0, p.averages("a", totals(0, 0, 0, 0), 0).queryCount());
        assertEquals(0, p.averages("a", totals(10, 20, 100, 200), 10 * s).queryCount());
        PoolCounters.Averages a = p.averages("a", totals(30, 60, 3000, 1200), 20 * s);
        assertEquals(3, a.queryCount()); // 60 queries in 20 s
        assertEquals(2, a.xactCount()); // 30 transactions in 20 s (1.5, rounded)
        assertEquals(20, a.queryTime()); // 1200 µs / 60 queries
        assertEquals(100, a.xactTime());
        assertEquals(3000, a.recv());
        // the next period starts at 20 s: nothing new until 35 s
        assertEquals(3, p.averages("a", totals(30, 60, 3000, 1200), 30 * s).queryCount());
        assertEquals(0, p.averages("a", totals(30, 60, 3000, 1200), 36 * s).queryCount());
    }
}
