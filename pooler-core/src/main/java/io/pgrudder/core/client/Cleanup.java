package io.pgrudder.core.client;

import java.util.EnumSet;
import java.util.List;

/**
 * Session state a client can leave on a shared server connection that the pooler does not carry
 * over, and the statement that removes it (pgcat's cleanup_server_connections, done only when
 * needed). The order is the order they run in.
 */
enum Cleanup {
    /**
     * SET SESSION AUTHORIZATION (seen as a ParameterStatus for session_authorization): neither
     * RESET ALL nor RESET ROLE undoes it, and the next client would run as that user. First, as
     * it also resets the role.
     */
    SESSION_AUTHORIZATION("SET SESSION AUTHORIZATION DEFAULT"),
    /** A SET of anything, SET ROLE, or a client's own RESET. */
    SETTINGS("RESET ALL"),
    ROLE("RESET ROLE"),
    /** SQL-level PREPARE. */
    PREPARED_STATEMENTS("DEALLOCATE ALL"),
    LISTEN("UNLISTEN *"),
    /** Cursors declared WITH HOLD outlive their transaction. */
    CURSORS("CLOSE ALL"),
    /** Session-level advisory locks (pg_advisory_lock and friends, not the _xact_ ones). */
    ADVISORY_LOCKS("SELECT pg_catalog.pg_advisory_unlock_all()"),
    TEMP_TABLES("DISCARD TEMP");

    private final String sql;

    Cleanup(String sql) {
        this.sql = sql;
    }

    String sql() {
        return sql;
    }

    static List<String> statements(EnumSet<Cleanup> needed) {
        if (needed.isEmpty()) {
            return List.of();
        }
        EnumSet<Cleanup> all = EnumSet.copyOf(needed);
        if (all.contains(SETTINGS)) {
            all.add(ROLE);
        }
        return all.stream().map(Cleanup::sql).toList();
    }
}
