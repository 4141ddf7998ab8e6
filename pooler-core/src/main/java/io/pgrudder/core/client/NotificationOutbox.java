package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.pgrudder.core.notify.NotificationHub;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Writes the notifications a {@link NotificationHub} fans out to one client, on the client's own
 * loop, and unsubscribes the client when it disconnects. It sits in the client's pipeline in
 * front of the session handler (added at the client's first pooler-answered LISTEN) so it sees
 * writability changes and the close itself.
 *
 * <p>Backpressure: while the client's socket is not writable, notifications wait here, up to
 * {@link #MAX_QUEUED_BYTES} (1 MiB). Past that the client is unsubscribed, what waited is
 * dropped, and it is sent FATAL 54000 and closed (after {@link #CLOSE_GRACE_SECONDS} at the
 * latest, since a client that reads nothing may never take the error). What a client that reads
 * keeps getting is unbounded only in time, never in memory.
 */
final class NotificationOutbox extends ChannelInboundHandlerAdapter implements NotificationHub.Subscriber {
    private static final Logger log = LoggerFactory.getLogger(NotificationOutbox.class);
    static final int MAX_QUEUED_BYTES = 1 << 20;
    static final long CLOSE_GRACE_SECONDS = 5;
    private static final String PROGRAM_LIMIT_EXCEEDED = "54000";

    private final NotificationHub hub;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>(2);
    /**
     * The channels the client was told it listens on, as its own loop sees them: a notification
     * the hub sent before it learned of an UNLISTEN the client was already answered for is dropped.
     */
    private final Set<String> channels = new HashSet<>();
    private final int maxQueuedBytes;
    private long queuedBytes;
    private ChannelHandlerContext ctx;
    /** Unsubscribed for good (closed, or overflowed): what still arrives is dropped. */
    private boolean gone;

    NotificationOutbox(NotificationHub hub) {
        this(hub, MAX_QUEUED_BYTES);
    }

    NotificationOutbox(NotificationHub hub, int maxQueuedBytes) {
        this.hub = hub;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void notifications(List<ByteBuf> frames) {
        if (gone || !ctx.channel().isActive()) {
            frames.forEach(ByteBuf::release);
            return;
        }
        boolean wrote = false;
        for (ByteBuf frame : frames) {
            if (!channels.contains(channelOf(frame))) {
                frame.release();
            } else if (queued.isEmpty() && ctx.channel().isWritable()) {
                ctx.write(frame, ctx.voidPromise());
                wrote = true;
            } else {
                queued.add(frame);
                queuedBytes += frame.readableBytes();
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (queuedBytes > maxQueuedBytes) {
            overflow();
        }
    }

    /** The client was answered LISTEN {@code channel}. */
    void listened(String channel) {
        channels.add(channel);
    }

    /** The client was answered UNLISTEN {@code channel}. */
    void unlistened(String channel) {
        channels.remove(channel);
    }

    /** The client was answered UNLISTEN *. */
    void unlistenedAll() {
        channels.clear();
    }

    /** The channel a notification is on; null (so it is dropped) when the frame is malformed. */
    private static String channelOf(ByteBuf notification) {
        try {
            ByteBuf body = Frames.body(notification);
            Frames.readInt32(body);
            return Frames.readCString(body);
        } catch (PgException | IndexOutOfBoundsException malformed) {
            return null;
        }
    }

    private void overflow() {
        log.warn("client {}: more than {} bytes of notifications it does not read; closing it",
                ctx.channel().remoteAddress(), maxQueuedBytes);
        leave();
        ClientErrors.send(ctx.channel(), PgException.fatal(PROGRAM_LIMIT_EXCEEDED, "too many notifications waiting "
                + "for this client: it did not read them (more than " + maxQueuedBytes + " bytes); closing the connection"));
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!queued.isEmpty() && ctx.channel().isWritable()) {
            while (!queued.isEmpty() && ctx.channel().isWritable()) {
                ByteBuf frame = queued.poll();
                queuedBytes -= frame.readableBytes();
                ctx.write(frame, ctx.voidPromise());
            }
            ctx.flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        leave();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        leave();
    }

    /** Unsubscribed from everything, nothing kept. */
    private void leave() {
        if (!gone) {
            gone = true;
            hub.unlistenAll(this);
        }
        while (!queued.isEmpty()) {
            queued.poll().release();
        }
        queuedBytes = 0;
    }
}
