package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.client.RequestQueue.Kind;
import io.pgrudder.core.pool.StatementRegistry;
import io.pgrudder.core.pool.StatementRegistry.Statement;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.CloseComplete;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParseComplete;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Close;
import io.pgrudder.protocol.frontend.Describe;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Query;

import java.nio.charset.StandardCharsets;

/**
 * Sends a client's messages to the server it holds and tells the {@link RequestQueue} what each
 * one will be answered with. With protocol-level prepared statements on (transaction mode,
 * prepared_statements_cache_size &gt; 0), a named statement is renamed to its pool-wide name; a
 * server that already has it gets no Parse (the pooler answers ParseComplete); a Bind or Describe
 * on a server that lacks it (or has it but not to be trusted) gets the Parse slipped in first, by
 * the {@link StatementPreparer}. A DEALLOCATE of the client's names is answered here, or through
 * the extended protocol rewritten to the server-side name. Errors a direct connection would give
 * for the client's names (unknown or duplicate statement) are given in order, and the messages up
 * to Sync are dropped as the server would.
 */
final class ClientMessages {
    private final RequestQueue queue;
    /** pgcat's SET/SHOW SERVER ROLE and friends, answered by the pooler. */
    private final RoutingCommands commands;
    /** Null when statements pass through unchanged (session mode, or the cache is off). */
    private final StatementRegistry registry;
    /** Null when {@link #registry} is. */
    private final StatementPreparer preparer;
    private final boolean transactionMode;
    /** The client's statement names and what they are on the servers. */
    private final ClientStatements statements = new ClientStatements();
    /** Learns the custom setting names a statement uses (transaction mode). */
    private final SessionState session;
    private final SessionScan sessionScan = new SessionScan();
    /** {@link #failUntilSync} as the routing commands take it: made once, not on every extended message. */
    private final java.util.function.BiConsumer<String, String> failing = this::failUntilSync;
    private static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    /** After an error the pooler gave itself: drop client messages up to the next Sync. */
    private boolean skipUntilSync;
    /** Since the last Sync, everything was answered without a server: the Sync is too. */
    private boolean answeredLocally;

    ClientMessages(RequestQueue queue, RoutingCommands commands, StatementRegistry registry, int cacheSize,
                   boolean transactionMode, SessionState session) {
        this.session = session;
        this.queue = queue;
        this.commands = commands;
        this.registry = registry;
        this.preparer = registry == null ? null : new StatementPreparer(queue, registry, cacheSize);
        this.transactionMode = transactionMode;
        queue.onDiscardAll(statements::clear);
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
        if (registry == null) {
            return false;
        }
        switch (type) {
            case MessageType.QUERY -> {
                if (!Deallocation.startsWithDeallocate(frame)) {
                    return false;
                }
                Deallocation deallocation = Deallocation.of(Query.decode(Frames.body(frame)).sql());
                if (deallocation == null) {
                    return false;
                }
                frame.release();
                deallocate(deallocation);
                return true;
            }
            case MessageType.PARSE -> {
                if (Frames.firstStringEmpty(frame)) {
                    return false; // the unnamed statement is never answered here (not decoded for that)
                }
                Parse parse = Parse.decode(Frames.body(frame));
                Statement known = registry.existing(parse.query(), parse.parameterTypes());
                if (known == null || !registry.isAccepted(known)) {
                    return false;
                }
                frame.release();
                answeredLocally = true;
                String refusal = statements.refusal(parse.name(), known);
                if (statements.containsKey(parse.name())) {
                    failUntilSync("42P05", "prepared statement \"" + parse.name() + "\" already exists");
                } else if (refusal != null) {
                    failUntilSync(PROGRAM_LIMIT_EXCEEDED, refusal);
                } else {
                    statements.put(parse.name(), known);
                    queue.synthetic(out -> ParseComplete.INSTANCE.encode(out), null);
                }
                return true;
            }
            case MessageType.CLOSE -> {
                Close close = Close.decode(Frames.body(frame));
                if (close.kind() != Close.STATEMENT || close.name().isEmpty()) {
                    return false;
                }
                frame.release();
                answeredLocally = true;
                statements.remove(close.name());
                queue.synthetic(out -> CloseComplete.INSTANCE.encode(out), null);
                return true;
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
                ByteBuf body = Frames.body(frame);
                Frames.readCString(body); // portal
                Statement statement = statements.get(Frames.readCString(body));
                return statement == null ? null : statement.query();
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
        if (registry != null && Deallocation.startsWithDeallocate(frame)) {
            Deallocation deallocation = Deallocation.of(Query.decode(Frames.body(frame)).sql());
            if (deallocation != null && !sentAsIs(deallocation)) {
                frame.release();
                deallocate(deallocation);
                return;
            }
        }
        noteSessionState(frame);
        forward(frame, to, Kind.QUERY);
    }

    /**
     * A DEALLOCATE of a name the client does not have goes to the server as it is: as with an
     * unknown Bind, the server fails it, aborting an open transaction block. Not a name in the
     * pooler's own namespace, which that server may have.
     */
    private boolean sentAsIs(Deallocation deallocation) {
        return !deallocation.all() && !statements.containsKey(deallocation.name())
                && !deallocation.name().startsWith(StatementRegistry.SERVER_NAME_PREFIX);
    }

    /**
     * A Bind or Describe of a statement the client never prepared, on a server it holds: sent as
     * it is, so the server fails it with its own 26000 and, inside a transaction block, aborts the
     * transaction exactly as a direct connection would (a COMMIT then rolls back). A name in the
     * pooler's own namespace might exist on that server, so that one is failed here.
     */
    private void unknownStatement(ByteBuf frame, ServerConnection to, String name, Kind kind) {
        if (name.startsWith(StatementRegistry.SERVER_NAME_PREFIX)) {
            frame.release();
            failUntilSync("26000", "prepared statement \"" + name + "\" does not exist");
            return;
        }
        forward(frame, to, kind);
    }

    /** DEALLOCATE name / DEALLOCATE ALL on the client's own names, answered as PostgreSQL would. */
    private void deallocate(Deallocation deallocation) {
        if (deallocation.all()) {
            statements.clear();
            queue.synthetic(out -> new CommandComplete("DEALLOCATE ALL").encode(out), null);
        } else {
            String name = deallocation.name();
            if (statements.remove(name) == null) {
                queue.synthetic(error("26000", "prepared statement \"" + name + "\" does not exist"), null);
            } else {
                queue.synthetic(out -> new CommandComplete("DEALLOCATE").encode(out), null);
            }
        }
        queue.synthetic(out -> ReadyForQuery.of(queue.transactionStatus()).encode(out), null);
    }

    private void parse(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        noteSessionState(frame);
        if (Frames.firstStringEmpty(frame) && (registry == null || !Deallocation.unnamedParseStartsWithDeallocate(frame))) {
            // The unnamed statement, not a DEALLOCATE the cache must rewrite: nothing here needs
            // its fields, so it is not decoded (a malformed rest gets the server's own error).
            forward(frame, to, Kind.PARSE);
            return;
        }
        Parse parse = Parse.decode(Frames.body(frame));
        if (parse.name().isEmpty() && registry != null && deallocateThroughParse(frame, parse, to)) {
            return;
        }
        if (parse.name().isEmpty() || registry == null) {
            if (!parse.name().isEmpty() && transactionMode) {
                // Named statements without the cache cannot follow the client: never leave them behind.
                queue.cleanupNeeded(Cleanup.PREPARED_STATEMENTS);
            }
            forward(frame, to, Kind.PARSE);
            return;
        }
        frame.release();
        String name = parse.name();
        if (statements.containsKey(name)) {
            failUntilSync("42P05", "prepared statement \"" + name + "\" already exists");
            return;
        }
        Statement statement = registry.statement(parse.query(), parse.parameterTypes());
        String refusal = statements.refusal(name, statement);
        if (refusal != null) {
            failUntilSync(PROGRAM_LIMIT_EXCEEDED, refusal);
            return;
        }
        statements.put(name, statement);
        Runnable undo = () -> statements.remove(name, statement);
        if (preparer.has(to, statement)) {
            queue.synthetic(out -> ParseComplete.INSTANCE.encode(out), undo);
        } else {
            preparer.prepare(to, statement, Kind.PARSE, undo);
        }
    }

    /**
     * An unnamed Parse of DEALLOCATE of one of the client's statements (psycopg 3 in pipeline mode
     * sends these): returns true when it took the frame. The server gets DEALLOCATE of the
     * statement's server-side name, after a Parse of it if it lacks it, so the DEALLOCATE runs
     * and replies (or fails, in a failed transaction) as on a direct connection. The client's
     * name goes now and comes back if the server skips or fails the Parse; the statement is no
     * longer trusted on that server, so its next use there closes and prepares it again, whether
     * the DEALLOCATE ran or not. A name in the pooler's namespace the client lacks is refused, as
     * a Bind of it is; other unknown names go as they are, for the server's own 26000.
     */
    private boolean deallocateThroughParse(ByteBuf frame, Parse parse, ServerConnection to) {
        Deallocation deallocation = Deallocation.of(parse.query());
        if (deallocation == null || deallocation.all() || sentAsIs(deallocation)) {
            return false;
        }
        frame.release();
        String name = deallocation.name();
        Statement statement = statements.get(name);
        if (statement == null) {
            failUntilSync("26000", "prepared statement \"" + name + "\" does not exist");
            return true;
        }
        preparer.ensure(to, statement);
        statements.remove(name);
        to.statements().distrust(statement.serverName());
        Parse rewritten = new Parse("", "DEALLOCATE " + statement.serverName(), parse.parameterTypes());
        writeAndExpect(to, rewritten::encode, Kind.PARSE, () -> statements.put(name, statement));
        return true;
    }

    private void bind(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        if (registry == null) {
            forward(frame, to, Kind.BIND); // no statement names to rewrite: not decoded
            return;
        }
        ByteBuf body = Frames.body(frame);
        String portal = Frames.readCString(body);
        String name = Frames.readCString(body);
        if (name.isEmpty() || registry == null) {
            forward(frame, to, Kind.BIND);
            return;
        }
        Statement statement = statements.get(name);
        if (statement == null) {
            unknownStatement(frame, to, name, Kind.BIND);
            return;
        }
        preparer.ensure(to, statement);
        // Same Bind, with the statement's server-side name: portal, name, then the rest untouched.
        ByteBuf out = to.channel().alloc().buffer(frame.readableBytes() + 16);
        int start = Frames.beginMessage(out, MessageType.BIND);
        Frames.writeCString(out, portal);
        Frames.writeCString(out, statement.serverName());
        out.writeBytes(body);
        Frames.endMessage(out, start);
        frame.release();
        queue.expect(Kind.BIND);
        to.write(out);
    }

    private void describe(ByteBuf frame, ServerConnection to) {
        queue.extendedOpen(true);
        if (registry == null || !describesNamedStatement(frame)) {
            forward(frame, to, Kind.DESCRIBE); // a portal, the unnamed statement, or no cache: not decoded
            return;
        }
        Describe describe = Describe.decode(Frames.body(frame));
        if (describe.kind() != Describe.STATEMENT || describe.name().isEmpty() || registry == null) {
            forward(frame, to, Kind.DESCRIBE);
            return;
        }
        Statement statement = statements.get(describe.name());
        if (statement == null) {
            unknownStatement(frame, to, describe.name(), Kind.DESCRIBE);
            return;
        }
        frame.release();
        preparer.ensure(to, statement);
        writeAndExpect(to, new Describe(Describe.STATEMENT, statement.serverName())::encode, Kind.DESCRIBE, null);
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
        if (close.kind() != Close.STATEMENT || close.name().isEmpty() || registry == null) {
            forward(frame, to, Kind.CLOSE);
            return;
        }
        frame.release();
        // The server keeps the statement for other clients; closing an unknown name is no error.
        Statement removed = statements.remove(close.name());
        Runnable undo = removed == null ? null : () -> statements.put(close.name(), removed);
        queue.synthetic(out -> CloseComplete.INSTANCE.encode(out), undo);
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

    private void writeAndExpect(ServerConnection to, java.util.function.Consumer<ByteBuf> encoder, Kind kind, Runnable undo) {
        ByteBufAllocator alloc = to.channel().alloc();
        ByteBuf out = alloc.buffer();
        encoder.accept(out);
        queue.expect(kind, undo);
        to.write(out);
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
