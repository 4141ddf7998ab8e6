package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the server a client holds still owes, message by message, in order (PgBouncer's
 * outstanding-request queue). Each entry is a message whose reply is relayed to the client, a
 * reply the pooler makes itself (a ParseComplete for a statement the server already has), or the
 * reply to a message the pooler slipped in (an injected Parse, an eviction Close, a SET) which is
 * swallowed. An ErrorResponse in the extended protocol drops the entries up to the next Sync, as
 * the server skips those messages.
 *
 * <p>Also kept: whether an extended sequence is open without its Sync, the last transaction
 * status, a FATAL from the server, and the session state the client left that must be cleaned
 * before another client gets the connection; and the server's {@link
 * io.pgrudder.core.backend.ServerStatements} learn what the server confirmed (ReadyForQuery 'I',
 * an ErrorResponse, CommandComplete ROLLBACK or DEALLOCATE ALL). Only ReadyForQuery,
 * ParameterStatus, CommandComplete, ErrorResponse and a few type bytes are looked at.
 */
final class RequestQueue {
    private static final Logger log = LoggerFactory.getLogger(RequestQueue.class);
    /** Reported settings a client's own SET changes and the pooler then carries to other server connections. */
    private static final Set<String> CARRIED = Set.of("application_name", "client_encoding", "datestyle",
            "intervalstyle", "timezone", "standard_conforming_strings", "search_path");
    enum Kind {
        PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, SYNC, QUERY, FUNCTION_CALL,
        /** The pooler's own simple query (settings): every reply swallowed, its outcome to a callback. */
        INTERNAL_QUERY,
        /** A Parse or Close the pooler sent for its statement cache: the reply is swallowed. */
        SWALLOWED,
        /** A reply the pooler gives itself when this entry's turn comes. */
        SYNTHETIC,
        /**
         * The client's CopyDone or CopyFail, sent before the server said CopyInResponse: no reply of
         * its own; it marks where the Syncs the server ignores during COPY FROM STDIN end.
         */
        COPY_END
    }

    /** Called when the pooler's own query finished: with the server's error, or null when it succeeded. */
    interface Done {
        void finished(ErrorResponse failure);
    }

    /**
     * One expected reply. {@code undo} runs when the server fails or skips the message (so the
     * client's view of its statements stays as on a direct connection).
     */
    record Expect(Kind kind, Done done, Consumer<ByteBuf> synthetic, Runnable undo, Runnable onSuccess) {
        /** The plain entry of each kind: immutable, so one each serves every client. */
        private static final Expect[] PLAIN = plain();

        static Expect of(Kind kind) {
            return PLAIN[kind.ordinal()];
        }

        private static Expect[] plain() {
            Expect[] plain = new Expect[Kind.values().length];
            for (Kind k : Kind.values()) {
                plain[k.ordinal()] = new Expect(k, null, null, null, null);
            }
            return plain;
        }
    }

    /** Where the DataRows of each of the pooler's own queries in flight go, in order. */
    private final ArrayDeque<Consumer<ByteBuf>> rowSinks = new ArrayDeque<>(2);
    /**
     * The client ran something that may have changed what its session holds (a command tag of
     * {@link SessionTags}, or a statement {@link SessionScan} flagged): the session is probed
     * before the server is let go.
     */
    private final ProbeRequest probe = new ProbeRequest();

    private final ArrayDeque<Expect> expected = new ArrayDeque<>(4);
    private final EnumSet<Cleanup> cleanup = EnumSet.noneOf(Cleanup.class);
    private final Consumer<Consumer<ByteBuf>> toClient;
    private Runnable onDiscardAll = () -> { };
    private boolean extendedOpen;
    private boolean fatal;
    /** The server's error for the pooler's own query now running, if it failed. */
    private ErrorResponse internalFailure;
    /**
     * The server is in COPY FROM STDIN and the client has not ended it yet: the server ignores the
     * client's Syncs (and Flushes) until CopyDone or CopyFail (postgres copyfromparse.c), so they
     * get no ReadyForQuery.
     */
    private boolean copyIn;
    private byte transactionStatus = ReadyForQuery.IDLE;

    /** {@code toClient} writes a message the pooler makes itself to the client (not flushed). */
    RequestQueue(Consumer<Consumer<ByteBuf>> toClient) {
        this.toClient = toClient;
    }

    void onDiscardAll(Runnable action) {
        this.onDiscardAll = action;
    }

    /** A server connection was attached, with this transaction status. */
    void attached(byte status) {
        expected.clear();
        cleanup.clear();
        extendedOpen = false;
        copyIn = false;
        fatal = false;
        internalFailure = null;
        rowSinks.clear();
        probe.clear();
        transactionStatus = status;
    }

    void expect(Kind kind) {
        expected.add(Expect.of(kind));
    }

    void expect(Kind kind, Runnable undo) {
        expected.add(new Expect(kind, null, null, undo, null));
    }

    /** {@code onSuccess} runs when the server answers it without error (a ParseComplete). */
    void expect(Kind kind, Runnable undo, Runnable onSuccess) {
        expected.add(new Expect(kind, null, null, undo, onSuccess));
    }

    /** The pooler sent a simple Query of its own. */
    void internal(Done done) {
        internal(done, null);
    }

    /** The pooler sent a simple Query of its own whose DataRows go to {@code rows} (frames stay the queue's). */
    void internal(Done done, Consumer<ByteBuf> rows) {
        expected.add(new Expect(Kind.INTERNAL_QUERY, done, null, null, null));
        rowSinks.add(rows == null ? f -> { } : rows);
    }

    /** What the session probe after this transaction asks; the client's statements add to it. */
    ProbeRequest probe() {
        return probe;
    }

    /** Whether the session must be probed before it is let go (not yet done). */
    boolean probePending() {
        return probe.needed();
    }

    /** What to probe before the server is let go, or null when nothing; taking it clears it. */
    ProbeRequest takeProbe() {
        return probe.needed() ? probe.take() : null;
    }

    /** A reply the pooler makes, sent when everything before it has been answered. */
    void synthetic(Consumer<ByteBuf> reply, Runnable undo) {
        expected.add(new Expect(Kind.SYNTHETIC, null, reply, undo, null));
        emitSynthetic();
    }

    /** The client sent Sync: it is owed a ReadyForQuery unless the server is in COPY FROM STDIN. */
    void expectSync() {
        if (!copyIn) {
            expect(Kind.SYNC);
        }
    }

    /** The client sent CopyDone or CopyFail. */
    void copyEnded() {
        if (copyIn) {
            copyIn = false;
        } else if (!expected.isEmpty()) {
            expected.add(Expect.of(Kind.COPY_END));
        }
    }

    void extendedOpen(boolean open) {
        extendedOpen = open;
    }

    void cleanupNeeded(Cleanup c) {
        cleanup.add(c);
    }

    /**
     * Records a server message; returns whether it goes to the client. {@code carried} receives
     * the client's own changes to settings the pooler carries (null in session mode).
     */
    boolean serverMessage(ServerConnection server, ClientParameters carried, ByteBuf frame) {
        emitSynthetic();
        Expect head = expected.peek();
        boolean internal = head != null && head.kind() == Kind.INTERNAL_QUERY;
        byte type = Frames.type(frame);
        switch (type) {
            case MessageType.READY_FOR_QUERY -> {
                copyIn = false;
                transactionStatus = ReadyForQuery.decode(Frames.body(frame)).transactionStatus();
                server.transactionStatus(transactionStatus);
                if (transactionStatus == ReadyForQuery.IDLE) {
                    server.statements().idle();
                }
                if (head != null) {
                    expected.poll();
                    if (internal) {
                        ErrorResponse failure = internalFailure;
                        internalFailure = null;
                        rowSinks.poll();
                        // Before finished(): it may give the server back, to be another client's.
                        server.answering(!isBetweenRequests());
                        head.done().finished(failure);
                        emitSynthetic();
                        return false;
                    }
                }
                emitSynthetic();
                server.answering(!isBetweenRequests());
                return true;
            }
            case MessageType.ERROR_RESPONSE -> {
                return error(server, head, frame);
            }
            case MessageType.PARAMETER_STATUS -> {
                ParameterStatus status = ParameterStatus.decode(Frames.body(frame));
                server.parameter(status.name(), status.value());
                String key = status.name().toLowerCase(Locale.ROOT);
                if (!internal && key.equals("session_authorization")) {
                    // The client changed who the session runs as (PostgreSQL reports only changes).
                    probe.identity = true;
                }
                if (!internal && carried != null && CARRIED.contains(key)) {
                    carried.reported(status.name(), status.value());
                    server.applied().put(key, status.value());
                }
                return !internal;
            }
            case MessageType.NOTICE_RESPONSE -> {
                return !internal;
            }
            case MessageType.NOTIFICATION_RESPONSE -> {
                return true; // the session's, whenever it comes: during the pooler's own query too
            }
            default -> {
            }
        }
        if (internal) {
            if (type == MessageType.DATA_ROW) {
                rowSinks.peek().accept(frame);
            }
            return false;
        }
        if (head == null) {
            return true;
        }
        boolean relay = true;
        switch (type) {
            case MessageType.COPY_IN_RESPONSE -> copyInStarted();
            case MessageType.PARSE_COMPLETE, MessageType.CLOSE_COMPLETE -> {
                if (head.kind() == Kind.SWALLOWED) {
                    relay = false;
                }
                pop();
            }
            case MessageType.BIND_COMPLETE -> pop();
            case MessageType.ROW_DESCRIPTION, MessageType.NO_DATA -> {
                if (head.kind() == Kind.DESCRIBE) {
                    pop();
                }
            }
            case MessageType.COMMAND_COMPLETE, MessageType.EMPTY_QUERY_RESPONSE, MessageType.PORTAL_SUSPENDED -> {
                if (type == MessageType.COMMAND_COMPLETE && CommandTags.mayActOn(frame)) {
                    commandCompleted(server, CommandComplete.decode(Frames.body(frame)).tag());
                }
                if (head.kind() == Kind.EXECUTE) {
                    pop();
                }
            }
            default -> {
            }
        }
        return relay;
    }

    private boolean error(ServerConnection server, Expect head, ByteBuf frame) {
        ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
        String severity = error.severityNonLocalized() != null ? error.severityNonLocalized() : error.severity();
        if ("FATAL".equals(severity) || "PANIC".equals(severity)) {
            fatal = true;
        }
        server.statements().rolledBack(); // what was prepared since the last 'I' may be undone
        if (head == null) {
            return true;
        }
        if (head.kind() == Kind.INTERNAL_QUERY) {
            internalFailure = error;
            cleanup.add(Cleanup.SETTINGS);
            log.warn("{}: pgrudder's own statement failed: {} {}", server, error.sqlState(), error.message());
            return fatal;
        }
        if ("0A000".equals(error.sqlState()) && error.message() != null
                && error.message().contains("cached plan must not change result type")) {
            // A shared statement's plan went stale: the next client gets a session without it.
            cleanup.add(Cleanup.PREPARED_STATEMENTS);
        }
        if (head.kind() == Kind.QUERY || head.kind() == Kind.FUNCTION_CALL) {
            return true; // its ReadyForQuery follows
        }
        if (copyIn) {
            // A failed COPY FROM STDIN in the extended protocol: the server waits for the client's Sync.
            extendedOpen = true;
        }
        // Extended protocol: this message failed and the server skips everything up to Sync.
        while (!expected.isEmpty() && expected.peek().kind() != Kind.SYNC) {
            Expect skipped = expected.poll();
            if (skipped.undo() != null) {
                skipped.undo().run();
            }
        }
        return true;
    }

    /**
     * The server entered COPY FROM STDIN: the Syncs the client sent after the message that started
     * it and before its CopyDone/CopyFail were read by the COPY and ignored (libpq's PQexecParams
     * sends Parse/Bind/Describe/Execute/Sync, then CopyData/CopyDone/Sync, and gets one
     * ReadyForQuery). Those already queued are dropped; later ones are not queued.
     */
    private void copyInStarted() {
        var it = expected.iterator();
        if (it.hasNext()) {
            it.next(); // the Query or Execute running the COPY
        }
        while (it.hasNext()) {
            Kind kind = it.next().kind();
            if (kind == Kind.COPY_END) {
                it.remove();
                return;
            }
            if (kind == Kind.SYNC) {
                it.remove();
            }
        }
        copyIn = true;
    }

    private void commandCompleted(ServerConnection server, String tag) {
        if (tag.equals("DISCARD ALL")) {
            server.clearApplied();
            server.statements().clear();
            onDiscardAll.run();
            probe.everything(); // the settings went back to the startup values, the rest went
            return;
        }
        if (tag.equals("DEALLOCATE ALL")) {
            // One that reached the server (extended protocol, or in a multi-statement Query). Not
            // cleared: a Parse sent after it may be there, and closing one the server lacks is harmless.
            server.statements().distrustAll();
            onDiscardAll.run();
        }
        if (tag.equals("ROLLBACK")) {
            server.statements().rolledBack();
            return;
        }
        SessionTags.ask(tag, probe);
    }

    private void pop() {
        Expect done = expected.poll();
        if (done != null && done.onSuccess() != null) {
            done.onSuccess().run();
        }
        emitSynthetic();
    }

    private void emitSynthetic() {
        while (!expected.isEmpty() && (expected.peek().kind() == Kind.SYNTHETIC
                || expected.peek().kind() == Kind.COPY_END)) {
            Expect e = expected.poll();
            if (e.kind() == Kind.SYNTHETIC) {
                toClient.accept(e.synthetic());
            }
        }
    }

    /** Every request answered, no transaction open: a transaction-mode client can let go. */
    boolean isIdle() {
        return isBetweenRequests() && transactionStatus == ReadyForQuery.IDLE;
    }

    /** Every request answered (a transaction may be open): the server's state is known. */
    boolean isBetweenRequests() {
        return expected.isEmpty() && !extendedOpen && !copyIn && !fatal;
    }

    /** Requests still owed a ReadyForQuery (Query, Sync, FunctionCall, the pooler's own query). */
    int outstandingRequests() {
        return requestsOwed(true);
    }

    /** Requests of the client's still owed a ReadyForQuery (the pooler's own queries are not the client's). */
    int requestsOwedToClient() {
        return requestsOwed(false);
    }

    private int requestsOwed(boolean poolersToo) {
        int n = 0;
        for (Expect e : expected) {
            Kind k = e.kind();
            if (k == Kind.QUERY || k == Kind.SYNC || k == Kind.FUNCTION_CALL || poolersToo && k == Kind.INTERNAL_QUERY) {
                n++;
            }
        }
        return n;
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
}
