package io.pgrudder.core.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PoolSplitTest {
    @Test
    void oneSharePerLoopWhileEachGetsTwoConnections() {
        assertEquals(2, Pool.shareCount(20, 2));
        assertEquals(4, Pool.shareCount(20, 4));
        assertEquals(2, Pool.shareCount(5, 4), "5 connections: two shares of 3 and 2");
        assertEquals(1, Pool.shareCount(3, 4));
        assertEquals(1, Pool.shareCount(1, 8));
        assertEquals(1, Pool.shareCount(0, 2), "a pool of nothing still has a share to queue on");
    }

    @Test
    void thePartsAddUpToTheConfiguredNumber() {
        for (int total = 0; total <= 50; total++) {
            for (int n = 1; n <= 8; n++) {
                int sum = 0;
                for (int i = 0; i < n; i++) {
                    int part = Pool.part(total, n, i);
                    sum += part;
                    assertEquals(total / n, part, 1, "parts differ by at most one");
                }
                assertEquals(total, sum, total + " over " + n);
            }
        }
    }

    @Test
    void aWaiterMovesForAShorterQueueOnlyWhenTheDifferenceIsWorthAHopPerMessage() {
        // Short queues even out as before: a sibling two shorter takes the waiter.
        assertEquals(1, Siblings.margin(0));
        assertEquals(1, Siblings.margin(3));
        // Long ones only for a quarter of their length: 1,000 clients on pool_size 20 kept moving
        // waiters between four shares for differences of two (bench/RESULTS.md).
        assertEquals(2, Siblings.margin(4));
        assertEquals(63, Siblings.margin(250));
    }
}
