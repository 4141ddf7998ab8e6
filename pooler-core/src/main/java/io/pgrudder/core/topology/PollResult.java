package io.pgrudder.core.topology;

import java.util.Objects;

/**
 * How the last poll of one member went. Anything but {@link Kind#OK} is a failed poll of that
 * member, never an error of the source.
 *
 * @param reason a short human-readable reason ("connection refused", "HTTP 503",
 *               "not JSON: ..."); empty for OK
 */
public record PollResult(Kind kind, String reason) {

    public enum Kind {
        OK,
        /** No complete answer within the request timeout. */
        TIMEOUT,
        /** The TCP connection was refused (nothing listens). */
        REFUSED,
        /** The socket was closed or reset before a complete answer arrived. */
        CLOSED,
        /** An answer arrived but was not a usable one (status, not HTTP, not the expected JSON). */
        BAD_RESPONSE
    }

    public static final PollResult OK = new PollResult(Kind.OK, "");

    public PollResult {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }

    public static PollResult timeout(String reason) {
        return new PollResult(Kind.TIMEOUT, reason);
    }

    public static PollResult refused(String reason) {
        return new PollResult(Kind.REFUSED, reason);
    }

    public static PollResult closed(String reason) {
        return new PollResult(Kind.CLOSED, reason);
    }

    public static PollResult badResponse(String reason) {
        return new PollResult(Kind.BAD_RESPONSE, reason);
    }

    public boolean ok() {
        return kind == Kind.OK;
    }

    @Override
    public String toString() {
        return reason.isEmpty() ? kind.name() : kind + " (" + reason + ")";
    }
}
