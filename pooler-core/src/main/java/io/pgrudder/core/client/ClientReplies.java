package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;

/**
 * The errors a transaction-mode session gives in its server's place, built in one place: the
 * outcome a lost server leaves unknown (08007), a server's FATAL that ends only the statement,
 * and the session's settings a server refused.
 */
final class ClientReplies {
    private ClientReplies() {
    }

    /** PostgreSQL's own words for a commit whose outcome the connection's loss hides. */
    static PgException outcomeUnknown() {
        return new PgException(PgException.Severity.ERROR, SqlState.TRANSACTION_RESOLUTION_UNKNOWN,
                "server connection lost while the statement ran; it may or may not have been committed",
                null, "It ran at most once: pgrudder does not send a statement again unless the server "
                + "said it ran none of it. Check whether it took effect before retrying.", null);
    }

    /** A server refused the settings a request needs: the request fails before it runs, with the server's SQLSTATE. */
    static PgException settingsRefused(ErrorResponse failure) {
        return PgException.error(failure.sqlState(), "could not give a server connection this session's settings: "
                + failure.message());
    }

    /**
     * In transaction mode a server's FATAL (its connection is going away: a switchover, a restart)
     * ends only the statement it ran, not the client's connection: the client gets it as an ERROR
     * when no transaction block was open ({@code status} 'I'), and its next transaction gets
     * another server. Returns the frame to send (the given one, or a new one when it was changed).
     */
    static ByteBuf survivable(ByteBuf frame, byte status, ByteBufAllocator alloc) {
        if (Frames.type(frame) != MessageType.ERROR_RESPONSE || status != ReadyForQuery.IDLE) {
            return frame;
        }
        ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
        String severity = error.severityNonLocalized() != null ? error.severityNonLocalized() : error.severity();
        if (!"FATAL".equals(severity)) {
            return frame;
        }
        frame.release();
        ByteBuf out = alloc.buffer();
        ErrorResponse.from(new PgException(PgException.Severity.ERROR, error.sqlState(), error.message(),
                error.detail(), error.hint(), null)).encode(out);
        return out;
    }
}
