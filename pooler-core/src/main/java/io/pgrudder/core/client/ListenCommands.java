package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.notify.ListenStatement;
import io.pgrudder.core.notify.NotificationHub;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Query;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A transaction-mode client's LISTEN and UNLISTEN that the pooler answers itself, through its
 * pool's {@link NotificationHub}, so that listening does not pin the client to a server. Only a
 * simple Query that is exactly one such statement ({@link ListenStatement}) from a client that
 * holds no server (so no transaction block is open) is taken; everything else goes to a server as
 * before, where LISTEN pins. A LISTEN is answered (CommandComplete, ReadyForQuery 'I', as the
 * server would) only once the hub confirmed it; until then the client's reads stop and what it
 * already sent waits here, then goes on in order.
 */
final class ListenCommands {
    private static final Pattern DISCARD_ALL = Pattern.compile("\\s*discard\\s+all\\s*;?\\s*", Pattern.CASE_INSENSITIVE);
    /** Longer Query frames are not looked at for DISCARD ALL (whitespace aside, it is 12 bytes). */
    private static final int DISCARD_ALL_MAX_FRAME = 64;
    private final ChannelHandlerContext ctx;
    private final ReadGate reads;
    private final NotificationHub hub;
    /** The session handler's own channelRead, for what waited behind a LISTEN. */
    private final Consumer<ByteBuf> redispatch;
    /** The session handler's channelReadComplete, after those. */
    private final Runnable readComplete;
    /** What came behind a LISTEN being confirmed; made at the first one (most clients never LISTEN). */
    private ArrayDeque<ByteBuf> held;
    /** Added to the pipeline at the first LISTEN. */
    private NotificationOutbox outbox;
    private boolean confirming;

    private ListenCommands(ChannelHandlerContext ctx, ReadGate reads, NotificationHub hub, Consumer<ByteBuf> redispatch,
                           Runnable readComplete) {
        this.ctx = ctx;
        this.reads = reads;
        this.hub = hub;
        this.redispatch = redispatch;
        this.readComplete = readComplete;
    }

    /** Null when the pool has no hub (nothing to do: LISTEN goes to the server). */
    static ListenCommands of(ChannelHandlerContext ctx, ReadGate reads, NotificationHub hub,
                             Consumer<ByteBuf> redispatch, Runnable readComplete) {
        return hub == null ? null : new ListenCommands(ctx, reads, hub, redispatch, readComplete);
    }

    /**
     * A frame from a client that holds no server: true when it was taken (answered, being
     * answered, or waiting behind a LISTEN being confirmed), false when it needs a server.
     */
    boolean take(ByteBuf frame) {
        if (confirming) {
            if (held == null) {
                held = new ArrayDeque<>(2);
            }
            held.add(frame);
            return true;
        }
        ListenStatement statement = recognize(frame);
        if (statement == null) {
            return false;
        }
        frame.release();
        switch (statement.action()) {
            case LISTEN -> {
                confirming = true;
                reads.block(ReadGate.CONFIRMING_LISTEN);
                String channel = statement.channel();
                Promise<Void> confirmed = ctx.executor().newPromise();
                confirmed.addListener(f -> confirmed(channel, f));
                hub.listen(outbox(), channel, confirmed);
            }
            case UNLISTEN -> {
                if (outbox != null) {
                    outbox.unlistened(statement.channel());
                    hub.unlisten(outbox, statement.channel());
                }
                answer("UNLISTEN");
            }
            case UNLISTEN_ALL -> {
                if (outbox != null) {
                    outbox.unlistenedAll();
                    hub.unlistenAll(outbox);
                }
                answer("UNLISTEN");
            }
        }
        return true;
    }

    /**
     * A frame going to the client's server (it holds one: pinned, or in a transaction): an exact
     * UNLISTEN, or DISCARD ALL (which includes UNLISTEN *), also ends what the pooler listens on
     * for it, as it would on one backend.
     */
    void sentToServer(ByteBuf frame) {
        if (outbox == null) {
            return;
        }
        if (isDiscardAll(frame)) {
            outbox.unlistenedAll();
            hub.unlistenAll(outbox);
            return;
        }
        ListenStatement statement = recognize(frame);
        if (statement == null) {
            return;
        }
        switch (statement.action()) {
            case UNLISTEN -> {
                outbox.unlistened(statement.channel());
                hub.unlisten(outbox, statement.channel());
            }
            case UNLISTEN_ALL -> {
                outbox.unlistenedAll();
                hub.unlistenAll(outbox);
            }
            default -> {
                // LISTEN on the server: the server delivers it (a duplicate if the hub does too)
            }
        }
    }

    private static boolean isDiscardAll(ByteBuf frame) {
        if (Frames.type(frame) != MessageType.QUERY || frame.readableBytes() > DISCARD_ALL_MAX_FRAME) {
            return false;
        }
        try {
            return DISCARD_ALL.matcher(Query.decode(Frames.body(frame)).sql()).matches();
        } catch (PgException malformed) {
            return false;
        }
    }

    private static ListenStatement recognize(ByteBuf frame) {
        if (Frames.type(frame) != MessageType.QUERY || !ListenStatement.mayBe(frame)) {
            return null;
        }
        try {
            return ListenStatement.parse(Query.decode(Frames.body(frame)).sql());
        } catch (PgException malformed) {
            return null; // the usual path fails it, and releases it
        }
    }

    private NotificationOutbox outbox() {
        if (outbox == null) {
            outbox = new NotificationOutbox(hub);
            ctx.pipeline().addBefore(ctx.name(), null, outbox);
        }
        return outbox;
    }

    private void confirmed(String channel, Future<? super Void> f) {
        confirming = false;
        reads.unblock(ReadGate.CONFIRMING_LISTEN);
        if (!ctx.channel().isActive()) {
            while (held != null && !held.isEmpty()) {
                held.poll().release();
            }
            return;
        }
        if (f.isSuccess()) {
            outbox.listened(channel);
            answer("LISTEN");
        } else {
            PgException e = f.cause() instanceof PgException pg ? pg : PgException.error("58000", String.valueOf(f.cause()));
            write(ErrorResponse.from(e)::encode);
            write(ReadyForQuery.IDLE_INSTANCE::encode);
            ctx.flush();
        }
        boolean replayed = false;
        while (held != null && !held.isEmpty() && !confirming) {
            redispatch.accept(held.poll());
            replayed = true;
        }
        if (replayed) {
            readComplete.run();
        }
    }

    private void answer(String tag) {
        write(new CommandComplete(tag)::encode);
        write(ReadyForQuery.IDLE_INSTANCE::encode);
        ctx.flush();
    }

    private void write(Consumer<ByteBuf> encoder) {
        ctx.write(Frames.encoded(ctx.alloc(), encoder), ctx.voidPromise());
    }
}
