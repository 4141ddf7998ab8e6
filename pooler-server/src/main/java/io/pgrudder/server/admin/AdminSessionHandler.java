package io.pgrudder.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.client.ClientErrors;
import io.pgrudder.core.client.ReadGate;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.EmptyQueryResponse;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * A logged-in admin connection: simple Query messages only, one command at a time (reading
 * pauses while a command runs, so replies stay in order). Each statement is answered with its
 * table or tag, or an ERROR, then ReadyForQuery.
 */
final class AdminSessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminSessionHandler.class);

    private final AdminCommands commands;
    private final String user;

    AdminSessionHandler(Pooler pooler, AdminDatabase.Control control, ConsoleState state, String user, String database) {
        this.commands = new AdminCommands(pooler, control, state);
        this.user = user;
    }

    /** Confined to the channel's loop. */
    private ReadGate reads;
    /**
     * Queries that came in the same read as one still running: answered one at a time, in order
     * (a command that completes on another loop must not overtake the one before it). Bounded by
     * one read, as reading stops while a command runs.
     */
    private final java.util.ArrayDeque<ByteBuf> queued = new java.util.ArrayDeque<>();
    private boolean answering;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (answering) {
            queued.add(frame);
            return;
        }
        answer(ctx, frame);
    }

    private void answer(ChannelHandlerContext ctx, ByteBuf frame) {
        String sql;
        try {
            byte type = Frames.type(frame);
            if (type == MessageType.TERMINATE) {
                ctx.close();
                return;
            }
            if (type != MessageType.QUERY) {
                ClientErrors.send(ctx.channel(), PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                        "the admin console speaks the simple query protocol only (message type "
                                + Frames.describeType(type) + "); with psql or pgjdbc use preferQueryMode=simple"));
                return;
            }
            sql = Query.decode(Frames.body(frame)).sql();
        } catch (PgException e) {
            ClientErrors.send(ctx.channel(), PgException.fatal(e.sqlState(), e.getMessage()));
            return;
        } finally {
            frame.release();
        }
        if (onlyShows(sql)) {
            // Exporters poll SHOW every few seconds: only what changes something is logged at info.
            log.debug("admin {} from {}: {}", user, ctx.channel().remoteAddress(), sql.strip());
        } else {
            log.info("admin {} from {}: {}", user, ctx.channel().remoteAddress(), sql.strip());
        }
        reads.block(ReadGate.ANSWERING);
        answering = true;
        commands.run(sql).whenComplete((results, e) -> ctx.executor().execute(() -> reply(ctx, results, e)));
    }

    private void reply(ChannelHandlerContext ctx, List<ResultTable> results, Throwable e) {
        answering = false;
        if (!ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(replyBuffer(ctx.alloc(), results, e));
        while (!answering && !queued.isEmpty() && ctx.channel().isActive()) {
            answer(ctx, queued.poll());
        }
        if (!answering) {
            reads.unblock(ReadGate.ANSWERING);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        while (!queued.isEmpty()) {
            queued.poll().release();
        }
        ctx.fireChannelInactive();
    }

    /** A console that does not read its replies is not read either: replies never pile up. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        reads.blockWhen(!ctx.channel().isWritable(), ReadGate.CLIENT_FULL);
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Whether every statement of a query (split on ';' as {@link AdminCommands#run} does) is a
     * SHOW: "SHOW POOLS; PAUSE" changes something, so it is logged at info.
     */
    static boolean onlyShows(String sql) {
        boolean any = false;
        for (String statement : sql.split(";")) {
            String t = statement.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.regionMatches(true, 0, "SHOW", 0, 4) || (t.length() > 4 && !Character.isWhitespace(t.charAt(4)))) {
                return false;
            }
            any = true;
        }
        return any;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        reads = new ReadGate(ctx.channel());
    }

    /**
     * The reply to one command, ending with ReadyForQuery. A reply that cannot be built becomes an
     * error reply: never a leaked buffer and a console that waits forever.
     */
    static ByteBuf replyBuffer(io.netty.buffer.ByteBufAllocator alloc, List<ResultTable> results, Throwable e) {
        ByteBuf out = alloc.buffer();
        try {
            encodeReply(out, results, e);
        } catch (RuntimeException | LinkageError failure) {
            log.warn("admin: building the reply failed: {}", failure.toString());
            out.clear();
            ErrorResponse.from(PgException.error(SqlState.INTERNAL_ERROR, "admin command failed: " + failure)).encode(out);
        }
        ReadyForQuery.IDLE_INSTANCE.encode(out);
        return out;
    }

    private static void encodeReply(ByteBuf out, List<ResultTable> results, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause != null) {
            PgException pg = cause instanceof PgException p ? p
                    : PgException.error(SqlState.INTERNAL_ERROR, "admin command failed: " + cause);
            ErrorResponse.from(pg).encode(out);
        } else if (results.isEmpty()) {
            EmptyQueryResponse.INSTANCE.encode(out);
        } else {
            results.forEach(r -> r.encode(out));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = ClientErrors.unwrap(cause);
        if (root instanceof PgException pg) {
            ClientErrors.send(ctx.channel(), PgException.fatal(pg.sqlState(), pg.getMessage()));
        } else {
            log.debug("admin {}: {}", ctx.channel().remoteAddress(), root.toString());
            ctx.close();
        }
    }
}
