package io.pgrudder.core.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartTimesTest {
    @Test
    void firstInFirstOutThroughGrowthAndWrapAround() {
        StartTimes times = new StartTimes();
        ArrayDeque<Long> model = new ArrayDeque<>();
        Random random = new Random(42);
        long next = 0;
        for (int step = 0; step < 100_000; step++) {
            if (model.isEmpty() || random.nextInt(3) > 0 && model.size() < 200) {
                times.add(next);
                model.add(next++);
            } else {
                assertEquals(model.poll(), times.poll());
            }
            assertEquals(model.size(), times.size());
            assertEquals(model.isEmpty(), times.isEmpty());
        }
        while (!model.isEmpty()) {
            assertEquals(model.poll(), times.poll());
        }
        assertTrue(times.isEmpty());
    }
}
