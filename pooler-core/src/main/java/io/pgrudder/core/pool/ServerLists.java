package io.pgrudder.core.pool;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A pool's logged-in server connections, by state: the state is the list a connection is on
 * (PgBouncer's change_server_state). {@link #transition} is the one way a connection changes
 * state, and it moves it between the lists; nothing else adds to or removes from them, so a
 * connection can never be on two lists or on the wrong one. Confined to the pool's loop.
 */
final class ServerLists {
    /** IDLE, in the order they came back (the head has been idle longest). */
    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    /** ACTIVE (a client holds it) and RESETTING (being cleaned or health-checked by the pool). */
    private final Set<ServerConnection> busy = new HashSet<>();
    /** CLOSING: closed by us, the socket not gone yet; still counts toward pool_size. */
    private final Set<ServerConnection> closing = new HashSet<>();

    /** Moves {@code server} to {@code next}'s list; a connection back to IDLE goes to the tail. */
    void transition(ServerConnection server, ServerState next) {
        transition(server, next, false);
    }

    /** As {@link #transition(ServerConnection, ServerState)}; {@code idleFirst}: to the head of the idle list. */
    void transition(ServerConnection server, ServerState next, boolean idleFirst) {
        ServerState was = server.state();
        if (was == next && next != ServerState.IDLE) {
            return;
        }
        listOf(was).remove(server);
        server.setState(next);
        switch (next) {
            case IDLE -> {
                if (idleFirst) {
                    idle.addFirst(server);
                } else {
                    idle.addLast(server);
                }
            }
            case ACTIVE, RESETTING -> busy.add(server);
            case CLOSING -> closing.add(server);
            default -> {
                // CONNECTING, AUTHENTICATING: not the pool's yet; CLOSED: gone
            }
        }
    }

    private Collection<ServerConnection> listOf(ServerState state) {
        return switch (state) {
            case IDLE -> idle;
            case ACTIVE, RESETTING -> busy;
            case CLOSING -> closing;
            default -> Collections.emptySet();
        };
    }

    boolean isBusy(ServerConnection server) {
        return busy.contains(server);
    }

    /** The idle connections, for the pool to choose from (read only: use transition to move one). */
    Collection<ServerConnection> idle() {
        return Collections.unmodifiableCollection(idle);
    }

    /**
     * Walks the idle connections, longest idle first or most recently used first, without
     * copying (a checkout does this every transaction). Read only: move one with transition.
     */
    java.util.Iterator<ServerConnection> idleIterator(boolean longestIdleFirst) {
        java.util.Iterator<ServerConnection> it = longestIdleFirst ? idle.iterator() : idle.descendingIterator();
        return new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public ServerConnection next() {
                return it.next();
            }
        };
    }

    /** A copy of the idle connections, longest idle first or most recently used first. */
    List<ServerConnection> idleInOrder(boolean longestIdleFirst) {
        List<ServerConnection> out = new ArrayList<>(idle);
        if (!longestIdleFirst) {
            Collections.reverse(out);
        }
        return out;
    }

    ServerConnection longestIdle() {
        return idle.peekFirst();
    }

    Set<ServerConnection> busy() {
        return Collections.unmodifiableSet(busy);
    }

    int idleCount() {
        return idle.size();
    }

    int busyCount() {
        return busy.size();
    }

    boolean noneClosing() {
        return closing.isEmpty();
    }

    /** Every connection on a list, idle first. */
    List<ServerConnection> all() {
        List<ServerConnection> all = new ArrayList<>(idle);
        all.addAll(busy);
        all.addAll(closing);
        return all;
    }

    /** Connections on a list: what counts toward pool_size besides those still connecting. */
    int size() {
        return idle.size() + busy.size() + closing.size();
    }

    /** Not on any list: the pool never had it or let it go (for checks). */
    boolean holdsNone(ServerConnection server) {
        return !idle.contains(server) && !busy.contains(server) && !closing.contains(server);
    }

}
