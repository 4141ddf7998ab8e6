package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
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

/**
 * A client's named prepared statements when the pooler shares them (transaction mode,
 * prepared_statements_cache_size &gt; 0): a named Parse is kept under the client's name and
 * renamed to its pool-wide name; a server that already has it gets no Parse (the pooler answers
 * ParseComplete); a Bind or Describe on a server that lacks it (or has it but not to be trusted)
 * gets the Parse slipped in first, by the {@link StatementPreparer}. A DEALLOCATE or Close of the
 * client's names is answered here, or through the extended protocol rewritten to the server-side
 * name. Errors a direct connection would give for the client's names (unknown or duplicate
 * statement) go through {@link ClientMessages}' failure, which drops the rest up to Sync.
 */
final class NamedStatements {
    static final String PROGRAM_LIMIT_EXCEEDED = "54000";

    /** What {@link ClientMessages} does for an error it gives: the reply, then nothing up to Sync. */
    interface Failure {
        void failUntilSync(String sqlState, String message);
    }

    private final RequestQueue queue;
    private final StatementRegistry registry;
    private final StatementPreparer preparer;
    private final Failure failure;
    /** The client's statement names and what they are on the servers. */
    private final ClientStatements statements = new ClientStatements();

    NamedStatements(RequestQueue queue, StatementRegistry registry, int cacheSize, Failure failure) {
        this.queue = queue;
        this.registry = registry;
        this.preparer = new StatementPreparer(queue, registry, cacheSize);
        this.failure = failure;
    }

    /** DISCARD ALL: the client has no statements left. */
    void clear() {
        statements.clear();
    }

    /** The text of the client's statement {@code name}, or null. */
    String queryOf(String name) {
        Statement statement = statements.get(name);
        return statement == null ? null : statement.query();
    }

    // ---------------------------------------------------------------- with no server

    /** A DEALLOCATE Query of the client's names, answered here: true when it took the frame. */
    boolean answerDeallocate(ByteBuf frame) {
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

    /** A named Parse of a statement some server already accepted, answered here: true when it took the frame. */
    boolean answerParse(ByteBuf frame) {
        if (Frames.firstStringEmpty(frame)) {
            return false; // the unnamed statement is never answered here (not decoded for that)
        }
        Parse parse = Parse.decode(Frames.body(frame));
        Statement known = registry.existing(parse.query(), parse.parameterTypes());
        if (known == null || !registry.isAccepted(known)) {
            return false;
        }
        frame.release();
        String refusal = statements.refusal(parse.name(), known);
        if (statements.containsKey(parse.name())) {
            failure.failUntilSync("42P05", "prepared statement \"" + parse.name() + "\" already exists");
        } else if (refusal != null) {
            failure.failUntilSync(PROGRAM_LIMIT_EXCEEDED, refusal);
        } else {
            statements.put(parse.name(), known);
            queue.synthetic(out -> ParseComplete.INSTANCE.encode(out), null);
        }
        return true;
    }

    /** A Close of a named statement, answered here (the servers keep it): true when it took the frame. */
    boolean answerClose(ByteBuf frame) {
        Close close = Close.decode(Frames.body(frame));
        if (close.kind() != Close.STATEMENT || close.name().isEmpty()) {
            return false;
        }
        frame.release();
        statements.remove(close.name());
        queue.synthetic(out -> CloseComplete.INSTANCE.encode(out), null);
        return true;
    }

    // ---------------------------------------------------------------- on a server

    /** A Query on a server: a DEALLOCATE of the client's names is answered here (true). */
    boolean deallocateQuery(ByteBuf frame) {
        if (!Deallocation.startsWithDeallocate(frame)) {
            return false;
        }
        Deallocation deallocation = Deallocation.of(Query.decode(Frames.body(frame)).sql());
        if (deallocation == null || sentAsIs(deallocation)) {
            return false;
        }
        frame.release();
        deallocate(deallocation);
        return true;
    }

    /**
     * A decoded Parse on a server: false when it is not for here (the unnamed statement but a
     * DEALLOCATE of the client's names); else it was taken.
     */
    boolean parse(ByteBuf frame, Parse parse, ServerConnection to) {
        if (parse.name().isEmpty()) {
            return deallocateThroughParse(frame, parse, to);
        }
        frame.release();
        String name = parse.name();
        if (statements.containsKey(name)) {
            failure.failUntilSync("42P05", "prepared statement \"" + name + "\" already exists");
            return true;
        }
        Statement statement = registry.statement(parse.query(), parse.parameterTypes());
        String refusal = statements.refusal(name, statement);
        if (refusal != null) {
            failure.failUntilSync(PROGRAM_LIMIT_EXCEEDED, refusal);
            return true;
        }
        statements.put(name, statement);
        Runnable undo = () -> statements.remove(name, statement);
        if (preparer.has(to, statement)) {
            queue.synthetic(out -> ParseComplete.INSTANCE.encode(out), undo);
        } else {
            preparer.prepare(to, statement, Kind.PARSE, undo);
        }
        return true;
    }

    /** A Bind of the client's statement {@code name} (not empty), the rest of {@code body} its parameters. */
    void bind(ByteBuf frame, ByteBuf body, String portal, String name, ServerConnection to) {
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

    /** A Describe of the client's statement {@code name} (not empty). */
    void describe(ByteBuf frame, String name, ServerConnection to) {
        Statement statement = statements.get(name);
        if (statement == null) {
            unknownStatement(frame, to, name, Kind.DESCRIBE);
            return;
        }
        frame.release();
        preparer.ensure(to, statement);
        writeAndExpect(to, new Describe(Describe.STATEMENT, statement.serverName())::encode, Kind.DESCRIBE, null);
    }

    /** A Close of the client's statement {@code name} (not empty): the server keeps it for other clients. */
    void close(ByteBuf frame, String name) {
        frame.release();
        // Closing an unknown name is no error.
        Statement removed = statements.remove(name);
        Runnable undo = removed == null ? null : () -> statements.put(name, removed);
        queue.synthetic(out -> CloseComplete.INSTANCE.encode(out), undo);
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
            failure.failUntilSync("26000", "prepared statement \"" + name + "\" does not exist");
            return;
        }
        queue.expect(kind);
        to.write(frame);
    }

    /** DEALLOCATE name / DEALLOCATE ALL on the client's own names, answered as PostgreSQL would. */
    private void deallocate(Deallocation deallocation) {
        if (deallocation.all()) {
            statements.clear();
            queue.synthetic(out -> new CommandComplete("DEALLOCATE ALL").encode(out), null);
        } else {
            String name = deallocation.name();
            if (statements.remove(name) == null) {
                queue.synthetic(out -> ErrorResponse.from(PgException.error("26000", "prepared statement \"" + name
                        + "\" does not exist")).encode(out), null);
            } else {
                queue.synthetic(out -> new CommandComplete("DEALLOCATE").encode(out), null);
            }
        }
        queue.synthetic(out -> ReadyForQuery.of(queue.transactionStatus()).encode(out), null);
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
            failure.failUntilSync("26000", "prepared statement \"" + name + "\" does not exist");
            return true;
        }
        preparer.ensure(to, statement);
        statements.remove(name);
        to.statements().distrust(statement.serverName());
        Parse rewritten = new Parse("", "DEALLOCATE " + statement.serverName(), parse.parameterTypes());
        writeAndExpect(to, rewritten::encode, Kind.PARSE, () -> statements.put(name, statement));
        return true;
    }

    private void writeAndExpect(ServerConnection to, java.util.function.Consumer<ByteBuf> encoder, Kind kind, Runnable undo) {
        ByteBuf out = to.channel().alloc().buffer();
        encoder.accept(out);
        queue.expect(kind, undo);
        to.write(out);
    }
}
