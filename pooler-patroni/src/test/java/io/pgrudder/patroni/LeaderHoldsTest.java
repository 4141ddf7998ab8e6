package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.netty.channel.embedded.EmbeddedChannel;

class LeaderHoldsTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final AtomicInteger reconsidered = new AtomicInteger();
    private final LeaderHolds holds = new LeaderHolds(channel.eventLoop(), reconsidered::incrementAndGet);

    private static PendingSwitchover switchover(String leader, String candidate) {
        return new PendingSwitchover(Optional.of(leader), Optional.ofNullable(candidate), Optional.empty());
    }

    @Test
    void thisPoolersSwitchoverComesBeforeTheFailoverKeyAndGivesWayToItWhenReleased() {
        PendingSwitchover key = switchover("node1", "node3");
        holds.dcsKey(Optional.of(key));
        assertEquals(Optional.of(key), holds.holding());

        PendingSwitchover own = switchover("node1", "node2");
        assertTrue(holds.holdLocally(own));
        assertEquals(Optional.of(own), holds.holding());
        assertEquals(Optional.of(key), holds.dcsKey(), "the key as the watch saw it is kept apart");

        holds.releaseLocally(own);
        assertEquals(Optional.of(key), holds.holding());
        assertEquals(3, reconsidered.get(), "each change asks the poller to publish again");
    }

    @Test
    void oneSwitchoverAtATimeAndOnlyItsOwnReleaseEndsIt() {
        PendingSwitchover first = switchover("node1", "node2");
        assertTrue(holds.holdLocally(first));
        assertFalse(holds.holdLocally(switchover("node1", "node3")));

        holds.releaseLocally(switchover("node1", "node2")); // equal, but not the one that holds
        assertEquals(Optional.of(first), holds.holding());
        holds.releaseLocally(first);
        holds.releaseLocally(first);
        assertEquals(Optional.empty(), holds.holding());
        assertEquals(2, reconsidered.get());
    }

    @Test
    void aScheduledKeyIsReconsideredWhenItFallsDue() {
        channel.freezeTime();
        Instant at = Instant.now().plusSeconds(30);
        holds.dcsKey(Optional.of(new PendingSwitchover(Optional.of("node1"), Optional.of("node2"), Optional.of(at))));
        assertEquals(1, reconsidered.get());
        channel.advanceTimeBy(31, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(2, reconsidered.get(), "the due time starts another look");

        holds.dcsKey(Optional.of(new PendingSwitchover(Optional.of("node1"), Optional.of("node2"),
                Optional.of(Instant.now().plusSeconds(30)))));
        holds.dcsKey(Optional.empty());
        channel.advanceTimeBy(31, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(4, reconsidered.get(), "a cleared key's timer is cancelled");
    }
}
