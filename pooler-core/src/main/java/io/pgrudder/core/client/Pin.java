package io.pgrudder.core.client;

/**
 * Session state that cannot follow a transaction-mode client to another server connection: while
 * it holds any, the client keeps its connection (it is pinned). Each names the statement that
 * removes it, used instead when pinning is off ({@code pin_session_state = false}).
 */
public enum Pin {
    TEMP_OBJECTS("temporary objects", Cleanup.TEMP_TABLES),
    HOLD_CURSORS("WITH HOLD cursors", Cleanup.CURSORS),
    SQL_PREPARED("PREPARE statements", Cleanup.PREPARED_STATEMENTS),
    LISTEN("LISTEN", Cleanup.LISTEN),
    ADVISORY_LOCKS("session advisory locks", Cleanup.ADVISORY_LOCKS),
    /** The pooler could not learn what the session holds (its probe failed): it never moves. */
    UNKNOWN("unknown session state", null);

    private final String label;
    private final Cleanup cleanup;

    Pin(String label, Cleanup cleanup) {
        this.label = label;
        this.cleanup = cleanup;
    }

    /** What SHOW CLIENTS, the metrics and the log call it. */
    public String label() {
        return label;
    }

    /** The metric label value: the constant's name in lower case. */
    public String metricName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** What removes it when pinning is off; null when only DISCARD ALL can be trusted. */
    Cleanup cleanup() {
        return cleanup;
    }
}
