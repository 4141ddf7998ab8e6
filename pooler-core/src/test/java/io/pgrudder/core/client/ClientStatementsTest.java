package io.pgrudder.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.pgrudder.core.pool.StatementRegistry.Statement;

/** A client's named statements: none costs nothing, and every operation works before the first. */
class ClientStatementsTest {

    private static final Statement SELECT = new Statement("PGRUDDER_1", "SELECT $1", new int[] {23});

    @Test
    void beforeTheFirstStatementEveryReadAndRemovalFindsNothing() {
        ClientStatements s = new ClientStatements();
        assertNull(s.get("a"));
        assertFalse(s.containsKey("a"));
        assertNull(s.remove("a"));
        assertFalse(s.remove("a", SELECT));
        s.clear();
        assertEquals(0, s.size());
        assertEquals(0, s.bytes());
        assertNull(s.refusal("a", SELECT));
    }

    @Test
    void statementsAreKeptCountedAndForgotten() {
        ClientStatements s = new ClientStatements();
        s.put("a", SELECT);
        s.put("b", SELECT);
        assertSame(SELECT, s.get("a"));
        assertEquals(2, s.size());
        assertTrue(s.bytes() > 0);
        assertSame(SELECT, s.remove("a"));
        assertTrue(s.remove("b", SELECT));
        assertEquals(0, s.size());
        assertEquals(0, s.bytes(), "what they cost is given back");
        s.put("c", SELECT);
        s.clear();
        assertEquals(0, s.size());
        assertEquals(0, s.bytes());
    }
}
