package io.pgrudder.core.client;

import io.pgrudder.core.pool.StatementRegistry.Statement;

import java.util.HashMap;
import java.util.Map;

/**
 * A transaction-mode client's named prepared statements: its names for the pool's statements.
 * A backend holds a session's statements in its own memory; here they are in the pooler's, for
 * every client, so a client gets at most {@value #MAX_STATEMENTS} of them and
 * {@value #MAX_BYTES} bytes of their text. Past that a Parse fails with 54000, as a backend
 * fails when it runs out of memory, and the client's other statements go on working.
 */
final class ClientStatements {
    static final int MAX_STATEMENTS = 10_000;
    static final long MAX_BYTES = 64L * 1024 * 1024;
    /** What an entry costs besides its text: the map node, the name, the record. */
    private static final int OVERHEAD = 96;

    /** Shared by every client with no named statement (read only: it refuses even removals); a map of its own at the first. */
    private static final Map<String, Statement> NONE = java.util.Collections.emptyMap();

    private Map<String, Statement> byName = NONE;
    private long bytes;

    Statement get(String name) {
        return byName.get(name);
    }

    boolean containsKey(String name) {
        return byName.containsKey(name);
    }

    /** Null when {@code statement} may be added under a new name, else why not. */
    String refusal(String name, Statement statement) {
        if (byName.size() >= MAX_STATEMENTS) {
            return "prepared statement \"" + name + "\" would be this connection's " + (MAX_STATEMENTS + 1)
                    + "th: pgrudder keeps at most " + MAX_STATEMENTS + " per client connection; DEALLOCATE some";
        }
        if (bytes + cost(name, statement) > MAX_BYTES) {
            return "prepared statement \"" + name + "\" would take this connection's prepared statements past "
                    + (MAX_BYTES >> 20) + " MiB of text, pgrudder's limit per client connection; DEALLOCATE some";
        }
        return null;
    }

    void put(String name, Statement statement) {
        if (byName == NONE) {
            byName = new HashMap<>();
        }
        Statement old = byName.put(name, statement);
        if (old != null) {
            bytes -= cost(name, old);
        }
        bytes += cost(name, statement);
    }

    Statement remove(String name) {
        if (byName == NONE) {
            return null;
        }
        Statement old = byName.remove(name);
        if (old != null) {
            bytes -= cost(name, old);
        }
        return old;
    }

    boolean remove(String name, Statement statement) {
        if (byName != NONE && byName.remove(name, statement)) {
            bytes -= cost(name, statement);
            return true;
        }
        return false;
    }

    void clear() {
        if (byName != NONE) {
            byName.clear();
        }
        bytes = 0;
    }

    int size() {
        return byName.size();
    }

    long bytes() {
        return bytes;
    }

    private static long cost(String name, Statement statement) {
        return 2L * (name.length() + statement.query().length()) + 4L * statement.parameterTypes().length + OVERHEAD;
    }
}
