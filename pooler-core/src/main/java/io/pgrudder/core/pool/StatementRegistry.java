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
 * concurrent; bounded by count and by the bytes of its texts, by dropping everything when either
 * is reached (server connections keep their own LRU and re-prepare what they lack, and clients
 * keep the statements they hold).
 */
public final class StatementRegistry {
    /** The names the pooler gives statements on the servers; clients' names are never sent as such. */
    public static final String SERVER_NAME_PREFIX = "pgrudder_";
    static final int MAX_ENTRIES = 100_000;
    /** Texts of any size up to max_message_size arrive here: the bytes bound what they may take together. */
    static final long MAX_BYTES = 128L * 1024 * 1024;

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
    /** Approximately the bytes the entries take (racing adds may pass the bound by a few texts). */
    private final AtomicLong bytes = new AtomicLong();

    public Statement statement(String query, int[] parameterTypes) {
        Statement known = statements.get(new Key(query, parameterTypes));
        if (known != null) {
            return known;
        }
        long cost = cost(query, parameterTypes);
        if (statements.size() >= MAX_ENTRIES || bytes.get() + cost > MAX_BYTES) {
            statements.clear();
            accepted.clear();
            bytes.set(0);
        }
        return statements.computeIfAbsent(new Key(query, parameterTypes.clone()), k -> {
            bytes.addAndGet(cost);
            return new Statement(SERVER_NAME_PREFIX + counter.incrementAndGet(), k.query, k.parameterTypes);
        });
    }

    private static long cost(String query, int[] parameterTypes) {
        return 2L * query.length() + 4L * parameterTypes.length + 128;
    }

    /** Approximately the bytes the registered statements take. */
    public long bytes() {
        return bytes.get();
    }

    /** The statement for this text and types if one was registered, or null. */
    public Statement existing(String query, int[] parameterTypes) {
        return statements.get(new Key(query, parameterTypes));
    }

    /** A server answered its Parse with ParseComplete; returns whether none had before. */
    public boolean accepted(Statement statement) {
        return accepted.add(statement.serverName());
    }

    /**
     * The Parse that first accepted it was inside a transaction that rolled back (it may have
     * parsed only against what that transaction made). Another server may have accepted it
     * meanwhile; forgetting that too only sends the next Parse of it to a server.
     */
    public void acceptanceRolledBack(Statement statement) {
        accepted.remove(statement.serverName());
    }

    public boolean isAccepted(Statement statement) {
        return accepted.contains(statement.serverName());
    }

    public int size() {
        return statements.size();
    }
}
