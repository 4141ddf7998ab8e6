package io.pgrudder.core.backend;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a server session's statements may be trusted for, from what the server confirmed. */
class ServerStatementsTest {

    @Test
    void aPreparedStatementIsUsableAndKeptInLeastRecentlyUsedOrder() {
        ServerStatements s = new ServerStatements();
        assertNull(s.eldest());
        s.preparing("a");
        s.preparing("b");
        assertTrue(s.usable("a"));
        assertEquals("b", s.eldest(), "using a made b the least recently used");
        assertTrue(s.remove("b"));
        assertFalse(s.remove("b"));
        assertEquals(1, s.size());
    }

    @Test
    void whatWasConfirmedSinceTheLastIdleIsDistrustedWhenTheTransactionRollsBack() {
        ServerStatements s = new ServerStatements();
        s.preparing("before");
        s.confirmed("before", null);
        s.idle();
        List<String> undone = new ArrayList<>();
        s.preparing("inside");
        s.confirmed("inside", () -> undone.add("inside"));
        s.rolledBack();
        assertTrue(s.usable("before"), "confirmed before the last ReadyForQuery 'I'");
        assertFalse(s.usable("inside"));
        assertTrue(s.contains("inside"), "still there: it is closed before it is prepared again");
        assertEquals(List.of("inside"), undone);
        s.rolledBack();
        assertEquals(List.of("inside"), undone, "undone once");
    }

    @Test
    void aCommittedTransactionLeavesItsStatementsTrusted() {
        ServerStatements s = new ServerStatements();
        List<String> undone = new ArrayList<>();
        s.preparing("a");
        s.confirmed("a", () -> undone.add("a"));
        s.idle();
        s.rolledBack(); // a later transaction that rolls back
        assertTrue(s.usable("a"));
        assertEquals(List.of(), undone);
    }

    @Test
    void preparingAgainMakesItTrustedAndDistrustAllMarksEveryOne() {
        ServerStatements s = new ServerStatements();
        s.preparing("a");
        s.preparing("b");
        s.distrust("a");
        assertFalse(s.usable("a"));
        s.preparing("a");
        assertTrue(s.usable("a"));
        s.distrustAll();
        assertEquals(Map.of("a", false, "b", false), s.snapshot());
        s.clear();
        assertEquals(0, s.size());
    }

    @Test
    void aStatementRemovedSinceItsConfirmationIsNotMarkedWhenItComesBack() {
        ServerStatements s = new ServerStatements();
        s.preparing("a");
        s.confirmed("a", null);
        s.remove("a"); // evicted with a Close
        s.preparing("a"); // and prepared again, not yet confirmed
        s.rolledBack();
        assertTrue(s.usable("a"), "not confirmed since it was prepared again");
    }
}
