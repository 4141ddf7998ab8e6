package io.pgrudder.core.pool;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.backend.TestServerConnections;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state is the list: every transition leaves a connection on exactly its state's list. */
class ServerListsTest {

    @Test
    void aConnectionIsOnTheListOfItsStateOnly() {
        ServerLists lists = new ServerLists();
        ServerConnection a = TestServerConnections.embedded();
        ServerConnection b = TestServerConnections.embedded();
        lists.transition(a, ServerState.IDLE);
        lists.transition(b, ServerState.IDLE);
        assertEquals(List.of(a, b), lists.idleInOrder(true));
        assertEquals(2, lists.size());

        lists.transition(a, ServerState.ACTIVE);
        assertEquals(List.of(b), lists.idleInOrder(true));
        assertTrue(lists.isBusy(a));
        lists.transition(a, ServerState.RESETTING);
        assertTrue(lists.isBusy(a), "being cleaned is busy too");
        lists.transition(a, ServerState.IDLE);
        assertEquals(List.of(b, a), lists.idleInOrder(true), "back to the tail");
        assertEquals(List.of(a, b), lists.idleInOrder(false), "most recently used first");

        lists.transition(b, ServerState.ACTIVE);
        lists.transition(b, ServerState.IDLE, true);
        assertEquals(List.of(b, a), lists.idleInOrder(true), "an untouched connection goes back to the head");

        lists.transition(a, ServerState.CLOSING);
        assertFalse(lists.noneClosing());
        assertEquals(2, lists.size(), "closing still counts toward pool_size");
        lists.transition(a, ServerState.CLOSED);
        assertTrue(lists.noneClosing());
        assertEquals(1, lists.size());
        assertTrue(lists.holdsNone(a));
        assertEquals(ServerState.CLOSED, a.state());

        lists.transition(b, ServerState.CLOSED); // the peer closed it while idle
        assertEquals(0, lists.size());
        a.channel().close();
        b.channel().close();
    }
}
