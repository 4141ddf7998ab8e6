package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.frontend.Close;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Copies of what a transaction-mode client sent on a just-attached server connection, kept until
 * that server's first reply. Only one reply proves that a backend ran none of it: a FATAL
 * admin-shutdown (57P01) or cannot-connect-now (57P03) as its very first message. PostgreSQL
 * buffers its replies, and a backend's last messages are written behind everything it buffered,
 * so an in-band FATAL with nothing before it means the request was aborted before it produced
 * anything, commit included. A connection that closes or is cut without such a message proves
 * nothing (the request may have committed and its reply been lost), and neither does a FATAL
 * after a NOTICE, a WARNING or a ParameterStatus (a synchronous-commit wait cancelled by a
 * shutdown says WARNING "already committed locally" and closes): those are never replayed.
 * Requests that change the client's statements (named Parse, Close of a statement) or stream
 * COPY data are never kept.
 */
final class ReplayBuffer {
    /** Dying backends in a row one request may meet (every idle one of an old leader can be). */
    static final int MAX_REPLAYS = 5;
    /**
     * FATAL admin shutdown / cannot connect now, as a first message: the backend ran nothing. Never
     * 57P02 (crash shutdown): the crash may have been this request's doing, and running it again
     * would crash the server again.
     */
    private static final Set<String> GOING_AWAY = Set.of(SqlState.ADMIN_SHUTDOWN, SqlState.CANNOT_CONNECT_NOW);

    /** Reused from one transaction to the next (a new list per transaction showed in profiles); null until first kept. */
    private ArrayList<ByteBuf> copies;
    private boolean armed;
    private int replays;

    /** Keeps retained duplicates of {@code frames} when all of them may be sent twice. */
    void keep(Collection<ByteBuf> frames) {
        if (frames.isEmpty() || replays >= MAX_REPLAYS) {
            return;
        }
        for (ByteBuf f : frames) {
            if (!replayable(f)) {
                return;
            }
        }
        if (copies == null) {
            copies = new ArrayList<>(Math.max(4, frames.size()));
        }
        for (ByteBuf f : frames) {
            copies.add(f.retainedDuplicate());
        }
        armed = true;
    }

    /**
     * A frame sent on the same connection after the first ones, before its first reply: kept
     * with them, or, when it may not be sent twice, the replay is given up.
     */
    void add(ByteBuf frame) {
        if (!armed) {
            return;
        }
        if (replayable(frame)) {
            copies.add(frame.retainedDuplicate());
        } else {
            drop();
        }
    }

    boolean isArmed() {
        return armed;
    }

    /** True when this server message says the backend is going away before it answered. */
    boolean isGoingAway(ByteBuf frame) {
        if (Frames.type(frame) != MessageType.ERROR_RESPONSE) {
            return false;
        }
        ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
        String severity = error.severityNonLocalized() != null ? error.severityNonLocalized() : error.severity();
        return "FATAL".equals(severity) && GOING_AWAY.contains(error.sqlState());
    }

    /**
     * A server message arrived: anything but a notification (which another session's NOTIFY
     * causes, not this request) shows the backend started on the request and ends the chance to
     * replay. A NOTICE or WARNING counts: a synchronous commit cancelled by a shutdown warns that
     * it "already committed locally" and then closes without another word.
     */
    void seen(ByteBuf frame) {
        if (Frames.type(frame) != MessageType.NOTIFICATION_RESPONSE) {
            drop();
        }
    }

    /** The copies, to be sent again; the buffer is empty afterwards. */
    List<ByteBuf> take() {
        List<ByteBuf> out = new ArrayList<>(copies);
        copies.clear();
        armed = false;
        replays++;
        return out;
    }

    void drop() {
        if (armed) {
            for (int i = 0, n = copies.size(); i < n; i++) {
                copies.get(i).release();
            }
            copies.clear();
            armed = false;
        }
        replays = 0;
    }

    private static boolean replayable(ByteBuf frame) {
        byte t = Frames.type(frame);
        try {
            if (t == MessageType.PARSE) {
                // Only the name matters: an unnamed statement can be parsed twice.
                return Frames.firstStringEmpty(frame);
            }
            if (t == MessageType.CLOSE) {
                return Close.decode(Frames.body(frame)).kind() == Close.PORTAL;
            }
        } catch (PgException malformed) {
            return false; // never sent twice; its own send reports it
        }
        return t != MessageType.COPY_DATA && t != MessageType.COPY_DONE && t != MessageType.COPY_FAIL;
    }
}
