package io.pgrudder.core.pool;

import java.util.List;

/**
 * What to do with a server connection a client lets go: close it (its state is unknown), reuse
 * it as it is, or first run cleanup statements (after a ROLLBACK when a transaction is open).
 */
public record ReleasePlan(boolean reuse, List<String> cleanup) {
    /** The connection's state is unknown: close it. */
    public static final ReleasePlan CLOSE = new ReleasePlan(false, List.of());
    /** Idle and clean (or never used): straight back to the pool. */
    public static final ReleasePlan AS_IS = new ReleasePlan(true, List.of());
    /** Session mode: the next client gets a fresh session. */
    public static final ReleasePlan DISCARD_ALL = new ReleasePlan(true, List.of("DISCARD ALL"));

    public ReleasePlan {
        cleanup = List.copyOf(cleanup);
    }

    public static ReleasePlan cleanup(List<String> statements) {
        return statements.isEmpty() ? AS_IS : new ReleasePlan(true, statements);
    }
}
