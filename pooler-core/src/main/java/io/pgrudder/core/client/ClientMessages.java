package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.client.RequestQueue.Kind;
import io.pgrudder.core.pool.StatementRegistry;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Close;
import io.pgrudder.protocol.frontend.Describe;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Query;


/**
 * Sends a client's messages to the server it holds and tells the {@link RequestQueue} what each
 * one will be answered with; answers what needs no server for a client that holds none. With
 * protocol-level prepared statements on (transaction mode, prepared_statements_cache_size &gt; 0)
 * the client's named statements are {@link NamedStatements}' to rename, answer or refuse. An error
 * the pooler gives itself (there, or for pgcat's routing commands) is given in order, and the
 * messages up to Sync are dropped as the server would.
 */
final class ClientMessages {
    private final RequestQueue queue;
    /** pgcat's SET/SHOW SERVER ROLE and friends, answered by the pooler. */
    private final RoutingCommands commands;
    /** Null when statements pass through unchanged (session mode, or the cache is off). */
    private final NamedStatements named;
    private final boolean transactionMode;
    /** Learns the custom setting names a statement uses (transaction mode). */
    private final SessionState session;
    private final SessionScan sessionScan = new SessionScan();
    /** {@link #failUntilSync} as the routing commands take it: made once, not on every extended message. */
    private final java.util.function.BiConsumer<String, String> failing = this::failUntilSync;
    /** After an error the pooler gave itself: drop client messages up to the next Sync. */
    private boolean skipUntilSync;
    /** Since the last Sync, everything was answered without a server: the Sync is too. */
    private boolean answeredLocally;

    ClientMessages(RequestQueue queue, RoutingCommands commands, StatementRegistry registry, int cacheSize,
                   boolean transactionMode, SessionState session) {
        this.session = session;
        this.queue = queue;
        this.commands = commands;
        this.named = registry == null ? null : new NamedStatements(queue, registry, cacheSize, this::failUntilSync);
        this.transactionMode = transactionMode;
        if (named != null) {
            queue.onDiscardAll(named::clear);
        }
    }

    /** Sends (or answers) one client frame for server {@code to}; takes ownership of the frame. */
    void send(ByteBuf frame, ServerConnection to) {
        try {
            sendDecoded(frame, to);
        } catch (PgException e) {
            releaseUnsent(frame);
            throw e;
        }
    }

    /**
     * A malformed frame fails in its decode, before it was written or released: it is still ours
     * to release (nine 10 MB Parse messages with a stray byte each used to stay in memory).
     */
    private static void releaseUnsent(ByteBuf frame) {
        if (frame.refCnt() > 0) {
            frame.release();
        }
    }

    private void sendDecoded(ByteBuf frame, ServerConnection to) {
        byte type = Frames.type(frame);
        if (skipUntilSync && type != MessageType.SYNC) {
            frame.release();
            return;
        }
        if (type != MessageType.QUERY && commands.answerExtended(frame, failing)) {
            queue.extendedOpen(true);
            return;
        }
        switch (type) {
            case MessageType.QUERY -> query(frame, to);
            case MessageType.FUNCTION_CALL -> forward(frame, to, Kind.FUNCTION_CALL);
            case MessageType.SYNC -> {
                skipUntilSync = false;
                answeredLocally = false;
                queue.extendedOpen(false);
                queue.expectSync();
                to.write(frame);
            }
            case MessageType.PARSE -> parse(frame, to);
            case MessageType.BIND -> bind(frame, to);
            case MessageType.DESCRIBE -> describe(frame, to);
            case MessageType.CLOSE -> close(frame, to);
            case MessageType.EXECUTE -> {
                queue.extendedOpen(true);
                forward(frame, to, Kind.EXECUTE);
            }
            case MessageType.FLUSH -> {
                queue.extendedOpen(true);
                to.write(frame);
            }
            case MessageType.COPY_DONE, MessageType.COPY_FAIL -> {
                queue.copyEnded();
                to.write(frame);
            }
            default -> to.write(frame); // CopyData
        }
    }

    /**
     * For a client that holds no server: answers what needs none and returns true (DEALLOCATE; a
     * Parse of a statement some server already accepted; a Close of a statement; the Sync after
     * only such messages), so the client does not wait for a server it does not need (pgbench
     * prepares synchronously on a thread whose other clients may hold every server). Returns false
     * when the frame needs a server.
     */
    boolean answerWithoutServer(ByteBuf frame) {
        try {
            return answerDecoded(frame);
        } catch (PgException e) {
            releaseUnsent(frame);
            throw e;
        }
    }

    private boolean answerDecoded(ByteBuf frame) {
        byte type = Frames.type(frame);
        if (skipUntilSync && type != MessageType.SYNC) {
            frame.release();
            return true;
        }
        if (type == MessageType.QUERY ? commands.answer(frame) : commands.answerExtended(frame, failing)) {
            answeredLocally |= type != MessageType.QUERY;
            return true;
        }
        if (named == null) {
            return false;
        }
        switch (type) {
            case MessageType.QUERY -> {
                return named.answerDeallocate(frame);
            }
            case MessageType.PARSE -> {
                boolean answered = named.answerParse(frame);
                answeredLocally |= answered;
                return answered;
            }
            case MessageType.CLOSE -> {
                boolean answered = named.answerClose(frame);
                answeredLocally |= answered;
                return answered;
            }
            case MessageType.SYNC -> {
                if (!answeredLocally && !skipUntilSync) {
                    return false;
                }
                frame.release();
                answeredLocally = false;
                skipUntilSync = false;
                queue.synthetic(out -> ReadyForQuery.IDLE_INSTANCE.encode(out), null);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * The SQL that a frame starting a transaction would run, for routing: a Query's text, a
     * Parse's, or for a Bind the text of the client's named statement; null when not known.
     */
    String sqlOf(ByteBuf frame) {
        switch (Frames.type(frame)) {
            case MessageType.QUERY -> {
                return Query.decode(Frames.body(frame)).sql();
            }
            case MessageType.PARSE -> {
                return Parse.decode(Frames.body(frame)).query();
            }
            case MessageType.BIND -> {
                if (named == null) {
                    return null;
                }
                ByteBuf body = Frames.body(frame);
                Frames.readCString(body); // portal
                return named.queryOf(Frames.readCString(body));
            }
            default -> {
                return null;
            }
        }
    }

    private void query(ByteBuf frame, ServerConnection to) {
        if (commands.answer(frame)) {
            return;
        }
        if (named != null && named.deallocateQuery(frame)) {
            return;
        }
        noteSessionState(frame);
        forward(frame, to, Kind.QUERY);
    }

    private void parse(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        noteSessionState(frame);
        if (Frames.firstStringEmpty(frame) && (named == null || !Deallocation.unnamedParseStartsWithDeallocate(frame))) {
            // The unnamed statement, not a DEALLOCATE the cache must rewrite: nothing here needs
            // its fields, so it is not decoded (a malformed rest gets the server's own error).
            forward(frame, to, Kind.PARSE);
            return;
        }
        Parse parse = Parse.decode(Frames.body(frame));
        if (named != null && named.parse(frame, parse, to)) {
            return;
        }
        if (!parse.name().isEmpty() && transactionMode) {
            // Named statements without the cache cannot follow the client: never leave them behind.
            queue.cleanupNeeded(Cleanup.PREPARED_STATEMENTS);
        }
        forward(frame, to, Kind.PARSE);
    }

    private void bind(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        if (named == null) {
            forward(frame, to, Kind.BIND); // no statement names to rewrite: not decoded
            return;
        }
        ByteBuf body = Frames.body(frame);
        String portal = Frames.readCString(body);
        String name = Frames.readCString(body);
        if (name.isEmpty()) {
            forward(frame, to, Kind.BIND);
            return;
        }
        named.bind(frame, body, portal, name, to);
    }

    private void describe(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        if (named == null || !describesNamedStatement(frame)) {
            forward(frame, to, Kind.DESCRIBE); // a portal, the unnamed statement, or no cache: not decoded
            return;
        }
        Describe describe = Describe.decode(Frames.body(frame));
        if (describe.kind() != Describe.STATEMENT || describe.name().isEmpty()) {
            forward(frame, to, Kind.DESCRIBE);
            return;
        }
        named.describe(frame, describe.name(), to);
    }

    /** A Describe of a named statement ('S' and a name that is not empty), told from two bytes. */
    private static boolean describesNamedStatement(ByteBuf frame) {
        int at = frame.readerIndex() + Frames.HEADER_SIZE;
        return frame.readableBytes() > Frames.HEADER_SIZE + 1 && frame.getByte(at) == Describe.STATEMENT
                && frame.getByte(at + 1) != 0;
    }

    private void close(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        Close close = Close.decode(Frames.body(frame));
        if (close.kind() != Close.STATEMENT || close.name().isEmpty() || named == null) {
            forward(frame, to, Kind.CLOSE);
            return;
        }
        named.close(frame, close.name());
    }

    /** An error the pooler gives for the client's names; the rest up to Sync is dropped, as the server would. */
    private void failUntilSync(String sqlState, String message) {
        queue.synthetic(error(sqlState, message), null);
        skipUntilSync = true;
    }

    private static java.util.function.Consumer<ByteBuf> error(String sqlState, String message) {
        return out -> ErrorResponse.from(PgException.error(sqlState, message)).encode(out);
    }

    private void forward(ByteBuf frame, ServerConnection to, Kind kind) {
        queue.expect(kind);
        to.write(frame);
    }

    /**
     * Transaction mode: tells the session probe after the transaction what this statement's text
     * says it may change ({@link SessionScan}: temporary objects, advisory locks, LISTEN,
     * set_config; {@link SettingStatement}: which setting a SET or RESET changes). Custom setting
     * names in it are remembered for the probe, and a set_config whose name is not in the text (a
     * Bind parameter) has every setting read and the session's settings reset when it lets go.
     * Only a text that may matter is decoded: one starting with SET or RESET, or with set_config,
     * or with both "set" and a dot.
     */
    private void noteSessionState(ByteBuf frame) {
        if (!transactionMode) {
            return;
        }
        int found = sessionScan.scan(frame);
        if ((found & (SessionScan.PROBE | SessionScan.SET)) == 0) {
            return;
        }
        ProbeRequest probe = queue.probe();
        if ((found & SessionScan.TEMP) != 0) {
            probe.pins.add(Pin.TEMP_OBJECTS);
        }
        if ((found & SessionScan.ADVISORY) != 0) {
            probe.pins.add(Pin.ADVISORY_LOCKS);
        }
        if ((found & SessionScan.LISTEN) != 0) {
            probe.pins.add(Pin.LISTEN);
        }
        if ((found & (SessionScan.SET | SessionScan.SET_CONFIG)) == 0) {
            return;
        }
        boolean query = Frames.type(frame) == MessageType.QUERY;
        boolean setFirst = !query || SettingStatement.queryStartsWithSetOrReset(frame);
        if ((found & SessionScan.SET_CONFIG) == 0 && (found & SessionScan.DOT) == 0 && !setFirst) {
            return; // UPDATE … SET, OFFSET: nothing to read
        }
        ByteBuf body = Frames.body(frame);
        String sql = query ? Query.decode(body).sql() : Parse.decode(body).query();
        if (SettingStatement.startsWithSetOrReset(sql)) {
            SettingStatement.read(sql, probe);
        }
        if (!session.noteCustomSettings(sql, probe.namedToAdd())) {
            probe.allSettings = true;
            queue.cleanupNeeded(Cleanup.SETTINGS);
        }
    }
}
