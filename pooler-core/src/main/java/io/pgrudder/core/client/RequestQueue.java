package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The requests sent to the server a client holds that are still owed a ReadyForQuery, in order
 * (PgBouncer's outstanding-request queue). Each is the client's own (its replies are relayed) or
 * the pooler's (its replies are swallowed and a callback learns the outcome). Also: whether an
 * extended-protocol sequence is open without its Sync, the last transaction status, a FATAL from
 * the server, and the session state the client left that must be cleaned before reuse.
 *
 * <p>Most frames are only looked at by their type byte; ReadyForQuery, ParameterStatus,
 * CommandComplete and ErrorResponse are decoded because the pooler acts on them.
 */
final class RequestQueue {
    private static final Logger log = LoggerFactory.getLogger(RequestQueue.class);
    /** Reported settings a client's own SET changes and the pooler then carries to other server connections. */
    private static final Set<String> CARRIED = Set.of("application_name", "client_encoding", "datestyle",
            "intervalstyle", "timezone", "standard_conforming_strings", "search_path");
    private static final ByteBuf ADVISORY_LOCK = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("advisory_lock".getBytes(StandardCharsets.US_ASCII)));

    /** Called with true when the pooler's own request finished without error. */
    interface Done {
        void finished(boolean ok);
    }

    private record Pending(Done internal) {
        boolean isInternal() {
            return internal != null;
        }
    }

    private static final Pending CLIENT = new Pending(null);

    private final ArrayDeque<Pending> awaitingReady = new ArrayDeque<>();
    private final EnumSet<Cleanup> cleanup = EnumSet.noneOf(Cleanup.class);
    private boolean extendedOpen;
    private boolean fatal;
    private boolean internalFailed;
    private byte transactionStatus = ReadyForQuery.IDLE;

    /** A new server connection was attached, with this transaction status. */
    void attached(byte status) {
        awaitingReady.clear();
        cleanup.clear();
        extendedOpen = false;
        fatal = false;
        internalFailed = false;
        transactionStatus = status;
    }

    /** The pooler sent a simple Query of its own. */
    void internal(Done done) {
        awaitingReady.add(new Pending(done));
    }

    /** Records a client message about to be forwarded; true when it is Terminate (never forwarded). */
    boolean clientMessage(ByteBuf frame) {
        switch (Frames.type(frame)) {
            case MessageType.TERMINATE -> {
                return true;
            }
            case MessageType.QUERY -> {
                awaitingReady.add(CLIENT);
                noteAdvisoryLock(frame);
            }
            case MessageType.FUNCTION_CALL -> awaitingReady.add(CLIENT);
            case MessageType.SYNC -> {
                awaitingReady.add(CLIENT);
                extendedOpen = false;
            }
            case MessageType.PARSE -> {
                extendedOpen = true;
                noteAdvisoryLock(frame);
            }
            case MessageType.BIND, MessageType.DESCRIBE, MessageType.EXECUTE, MessageType.CLOSE,
                 MessageType.FLUSH -> extendedOpen = true;
            default -> {
            }
        }
        return false;
    }

    /** How many requests a list of frames (not yet sent) would add: each Query, Sync and FunctionCall. */
    static int requestsIn(Iterable<ByteBuf> frames) {
        int n = 0;
        for (ByteBuf f : frames) {
            byte t = Frames.type(f);
            if (t == MessageType.QUERY || t == MessageType.SYNC || t == MessageType.FUNCTION_CALL) {
                n++;
            }
        }
        return n;
    }

    /**
     * Records a server message; returns whether it goes to the client. {@code carried} receives
     * the client's own changes to settings the pooler carries (null in session mode).
     */
    boolean serverMessage(ServerConnection server, ClientParameters carried, ByteBuf frame) {
        Pending head = awaitingReady.peek();
        boolean internal = head != null && head.isInternal();
        switch (Frames.type(frame)) {
            case MessageType.READY_FOR_QUERY -> {
                transactionStatus = ReadyForQuery.decode(Frames.body(frame)).transactionStatus();
                server.transactionStatus(transactionStatus);
                if (head != null) {
                    awaitingReady.poll();
                    if (internal) {
                        boolean ok = !internalFailed;
                        internalFailed = false;
                        head.internal().finished(ok);
                        return false;
                    }
                }
                return true;
            }
            case MessageType.PARAMETER_STATUS -> {
                ParameterStatus status = ParameterStatus.decode(Frames.body(frame));
                server.parameter(status.name(), status.value());
                String key = status.name().toLowerCase(Locale.ROOT);
                if (!internal && carried != null && CARRIED.contains(key)) {
                    carried.put(status.name(), status.value());
                    server.applied().put(key, status.value());
                }
                return !internal;
            }
            case MessageType.COMMAND_COMPLETE -> {
                if (!internal) {
                    Cleanup needed = Cleanup.forCommandTag(CommandComplete.decode(Frames.body(frame)).tag());
                    if (needed != null) {
                        cleanup.add(needed);
                    }
                }
                return !internal;
            }
            case MessageType.ERROR_RESPONSE -> {
                ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
                String severity = error.severityNonLocalized() != null ? error.severityNonLocalized() : error.severity();
                if ("FATAL".equals(severity) || "PANIC".equals(severity)) {
                    fatal = true;
                }
                if (internal) {
                    internalFailed = true;
                    cleanup.add(Cleanup.SETTINGS);
                    log.warn("{}: pgrudder's own statement failed: {} {}", server, error.sqlState(), error.message());
                    return fatal;
                }
                return true;
            }
            default -> {
                return !internal;
            }
        }
    }

    private void noteAdvisoryLock(ByteBuf frame) {
        // Session-level locks only: pg_advisory_xact_lock does not contain "advisory_lock".
        if (ByteBufUtil.indexOf(ADVISORY_LOCK, frame) >= 0) {
            cleanup.add(Cleanup.ADVISORY_LOCKS);
        }
    }

    /** Every request answered, no transaction open: a transaction-mode client can let go. */
    boolean isIdle() {
        return isBetweenRequests() && transactionStatus == ReadyForQuery.IDLE;
    }

    /** Every request answered (a transaction may be open): the server's state is known. */
    boolean isBetweenRequests() {
        return awaitingReady.isEmpty() && !extendedOpen && !fatal;
    }

    boolean sawFatalError() {
        return fatal;
    }

    byte transactionStatus() {
        return transactionStatus;
    }

    EnumSet<Cleanup> cleanup() {
        return EnumSet.copyOf(cleanup);
    }
}
