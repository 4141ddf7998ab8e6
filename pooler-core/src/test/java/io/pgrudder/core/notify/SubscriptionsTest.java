package io.pgrudder.core.notify;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubscriptionsTest {
    private final Subscriptions<String> subs = new Subscriptions<>();

    @Test
    void theFirstSubscriberOfAChannelIsTheOneThatNeedsALISTEN() {
        assertTrue(subs.add("a", "ch"));
        assertFalse(subs.add("b", "ch"));
        assertFalse(subs.add("a", "ch"), "listening twice changes nothing");
        assertTrue(subs.add("b", "other"));
        assertEquals(Set.of("a", "b"), subs.subscribers("ch"));
        assertEquals(Set.of("b"), subs.subscribers("other"));
        assertEquals(List.of("ch", "other"), List.copyOf(subs.channels()));
        assertEquals(Set.of("ch", "other"), subs.channelsOf("b"));
    }

    @Test
    void theLastSubscriberLeavingIsTheOneThatNeedsAnUNLISTEN() {
        subs.add("a", "ch");
        subs.add("b", "ch");
        assertFalse(subs.remove("a", "ch"));
        assertFalse(subs.remove("a", "ch"), "not subscribed any more");
        assertFalse(subs.remove("c", "ch"), "never subscribed");
        assertTrue(subs.remove("b", "ch"));
        assertTrue(subs.isEmpty());
        assertEquals(Set.of(), subs.subscribers("ch"));
        assertFalse(subs.remove("b", "nowhere"));
    }

    @Test
    void removeAllReturnsOnlyTheChannelsNobodyListensOnAnyMore() {
        subs.add("a", "shared");
        subs.add("a", "mine");
        subs.add("b", "shared");
        assertEquals(List.of("mine"), subs.removeAll("a"));
        assertEquals(Set.of("b"), subs.subscribers("shared"));
        assertFalse(subs.contains("a", "shared"));
        assertEquals(List.of(), subs.removeAll("a"), "twice: nothing left");
        assertEquals(List.of("shared"), subs.removeAll("b"));
        assertTrue(subs.isEmpty());
    }

    @Test
    void subscribersAreToldApartByIdentityNotEquality() {
        String one = new String("x");
        String two = new String("x");
        assertTrue(subs.add(one, "ch"));
        assertFalse(subs.add(two, "ch"));
        assertEquals(2, subs.subscribers("ch").size());
        assertFalse(subs.remove(one, "ch"));
        assertTrue(subs.contains(two, "ch"));
        assertFalse(subs.contains(one, "ch"));
    }
}
