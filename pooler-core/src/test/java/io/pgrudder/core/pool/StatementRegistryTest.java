package io.pgrudder.core.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatementRegistryTest {

    @Test
    void theSameTextAndTypesGetTheSameName() {
        StatementRegistry registry = new StatementRegistry();
        StatementRegistry.Statement a = registry.statement("SELECT $1", new int[] {23});
        assertSame(a, registry.statement("SELECT $1", new int[] {23}));
        assertNotEquals(a.serverName(), registry.statement("SELECT $1", new int[] {25}).serverName());
    }

    @Test
    void bigTextsAreBoundedByBytesNotOnlyByCount() {
        StatementRegistry registry = new StatementRegistry();
        String big = "SELECT '" + "x".repeat(8 * 1024 * 1024) + "'";
        for (int i = 0; i < 40; i++) {
            registry.statement(big + " -- " + i, new int[0]);
            assertTrue(registry.bytes() <= StatementRegistry.MAX_BYTES, "bytes " + registry.bytes() + " after " + (i + 1));
        }
        assertTrue(registry.size() < 40, "full: dropped and started again");
    }

    @Test
    void countIsBoundedToo() {
        StatementRegistry registry = new StatementRegistry();
        for (int i = 0; i <= StatementRegistry.MAX_ENTRIES; i++) {
            registry.statement("SELECT " + i, new int[0]);
        }
        assertEquals(1, registry.size(), "cleared when full, then the new one");
    }

    @Test
    void acceptanceIsReportedOnceAndCanBeTakenBack() {
        StatementRegistry registry = new StatementRegistry();
        StatementRegistry.Statement s = registry.statement("SELECT $1::t", new int[0]);
        assertFalse(registry.isAccepted(s));
        assertTrue(registry.accepted(s), "the first server to accept it");
        assertFalse(registry.accepted(s), "not the first");
        registry.acceptanceRolledBack(s);
        assertFalse(registry.isAccepted(s), "a Parse of it needs a server again");
    }
}
