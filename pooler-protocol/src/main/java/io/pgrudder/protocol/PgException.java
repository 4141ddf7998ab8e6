package io.pgrudder.protocol;

import java.util.Objects;

/**
 * The one exception type of pgrudder: every client-visible error carries a SQLSTATE, a severity
 * and a message, and becomes an ErrorResponse in one place.
 */
public class PgException extends RuntimeException {
    private final Severity severity;
    private final String sqlState;
    private final String detail;
    private final String hint;

    public enum Severity {
        ERROR, FATAL;
    }

    public PgException(Severity severity, String sqlState, String message, String detail, String hint, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.severity = Objects.requireNonNull(severity, "severity");
        this.sqlState = Objects.requireNonNull(sqlState, "sqlState");
        this.detail = detail;
        this.hint = hint;
    }

    public PgException(Severity severity, String sqlState, String message) {
        this(severity, sqlState, message, null, null, null);
    }

    public static PgException fatal(String sqlState, String message) {
        return new PgException(Severity.FATAL, sqlState, message);
    }

    public static PgException error(String sqlState, String message) {
        return new PgException(Severity.ERROR, sqlState, message);
    }

    public static PgException protocolViolation(String message) {
        return fatal(SqlState.PROTOCOL_VIOLATION, message);
    }

    public Severity severity() {
        return severity;
    }

    public String sqlState() {
        return sqlState;
    }

    /** Optional DETAIL field, or null. */
    public String detail() {
        return detail;
    }

    /** Optional HINT field, or null. */
    public String hint() {
        return hint;
    }
}
