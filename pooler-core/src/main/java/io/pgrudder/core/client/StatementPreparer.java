package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerStatements;
import io.pgrudder.core.client.RequestQueue.Kind;
import io.pgrudder.core.pool.StatementRegistry;
import io.pgrudder.core.pool.StatementRegistry.Statement;
import io.pgrudder.protocol.frontend.Close;
import io.pgrudder.protocol.frontend.Parse;

/**
 * Puts the pool's statements on the server a client holds and keeps that server's
 * {@link ServerStatements} in step with what the server was sent: a Parse where it lacks a
 * statement, or has one not to be trusted (then a Close of it first), and Closes of the least
 * recently used past prepared_statements_cache_size. What the server skips or fails of these
 * leaves the statement untrusted, so the next use closes and prepares it again: whether the
 * server has it or not, that is never wrong.
 */
final class StatementPreparer {
    private final RequestQueue queue;
    private final StatementRegistry registry;
    private final int cacheSize;

    StatementPreparer(RequestQueue queue, StatementRegistry registry, int cacheSize) {
        this.queue = queue;
        this.registry = registry;
        this.cacheSize = cacheSize;
    }

    /** Whether {@code to} has the statement as it should be: a Parse of it needs no server. */
    boolean has(ServerConnection to, Statement statement) {
        return to.statements().usable(statement.serverName());
    }

    /** Slips a Parse in when the server lacks the statement or it is not to be trusted (its ParseComplete is swallowed). */
    void ensure(ServerConnection to, Statement statement) {
        if (!has(to, statement)) {
            prepare(to, statement, Kind.SWALLOWED, null);
        }
    }

    /**
     * Sends a Parse of the statement under its server-side name; its reply is {@code kind}'s,
     * and {@code clientUndo} (may be null) runs if the server fails or skips it.
     */
    void prepare(ServerConnection to, Statement statement, Kind kind, Runnable clientUndo) {
        ServerStatements on = to.statements();
        String name = statement.serverName();
        if (on.contains(name)) {
            close(to, name); // there, but not to be trusted
        }
        while (on.size() >= cacheSize && on.size() > 0) {
            close(to, on.eldest());
        }
        on.preparing(name);
        Runnable undo = () -> {
            on.distrust(name);
            if (clientUndo != null) {
                clientUndo.run();
            }
        };
        ByteBuf out = to.channel().alloc().buffer();
        new Parse(name, statement.query(), statement.parameterTypes()).encode(out);
        queue.expect(kind, undo, () -> confirmed(on, statement));
        to.write(out);
    }

    /** A Close whose CloseComplete is swallowed; skipped after an error, the server keeps it: untrusted. */
    private void close(ServerConnection to, String name) {
        ServerStatements on = to.statements();
        on.remove(name);
        ByteBuf out = to.channel().alloc().buffer();
        new Close(Close.STATEMENT, name).encode(out);
        queue.expect(Kind.SWALLOWED, () -> on.distrust(name));
        to.write(out);
    }

    /** ParseComplete: some server accepted it, unless the transaction it came in rolls back. */
    private void confirmed(ServerStatements on, Statement statement) {
        boolean first = registry.accepted(statement);
        on.confirmed(statement.serverName(), first ? () -> registry.acceptanceRolledBack(statement) : null);
    }
}
