package io.pgrudder.core.pool;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pool-wide names for protocol-level prepared statements in transaction mode: a named Parse is
 * keyed by its query text and parameter types, and every client that prepares the same thing
 * gets the same server-side name, whatever it called it. Read from many client loops, hence
 * concurrent; bounded by dropping everything when full (server connections keep their own LRU and
 * re-prepare what they lack).
 */
public final class StatementRegistry {
    /** The names the pooler gives statements on the servers; clients' names are never sent as such. */
    public static final String SERVER_NAME_PREFIX = "pgrudder_";
    private static final int MAX_ENTRIES = 100_000;

    /** A statement as the servers know it. */
    public record Statement(String serverName, String query, int[] parameterTypes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Statement s && s.serverName.equals(serverName) && s.query.equals(query)
                    && Arrays.equals(s.parameterTypes, parameterTypes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(serverName, query, Arrays.hashCode(parameterTypes));
        }

        @Override
        public String toString() {
            return "Statement[" + serverName + "]";
        }
    }

    private record Key(String query, int[] parameterTypes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.query.equals(query) && Arrays.equals(k.parameterTypes, parameterTypes);
        }

        @Override
        public int hashCode() {
            return 31 * query.hashCode() + Arrays.hashCode(parameterTypes);
        }
    }

    private final Map<Key, Statement> statements = new ConcurrentHashMap<>();
    /** Statements some server accepted (ParseComplete): a Parse of one of them cannot fail on its text. */
    private final java.util.Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final AtomicLong counter = new AtomicLong();

    public Statement statement(String query, int[] parameterTypes) {
        if (statements.size() >= MAX_ENTRIES) {
            statements.clear();
            accepted.clear();
        }
        return statements.computeIfAbsent(new Key(query, parameterTypes.clone()),
                k -> new Statement(SERVER_NAME_PREFIX + counter.incrementAndGet(), k.query, k.parameterTypes));
    }

    /** The statement for this text and types if one was registered, or null. */
    public Statement existing(String query, int[] parameterTypes) {
        return statements.get(new Key(query, parameterTypes));
    }

    public void accepted(Statement statement) {
        accepted.add(statement.serverName());
    }

    public boolean isAccepted(Statement statement) {
        return accepted.contains(statement.serverName());
    }

    public int size() {
        return statements.size();
    }
}
