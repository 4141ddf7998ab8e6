package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * The last handler of a logged-in server connection: hands every frame to the current
 * {@link ServerListener}. When the listener lives on another event loop, one read batch becomes
 * one task on that loop, so the hop costs once per batch, not once per message.
 */
final class ServerRelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerRelayHandler.class);

    private final ServerConnection server;
    private volatile ServerListener listener;
    /** Frames read for a listener on another loop, not yet handed over; confined to this loop. */
    private List<ByteBuf> pending = new ArrayList<>();
    private ServerListener pendingFor;

    ServerRelayHandler(ServerConnection server) {
        this.server = server;
    }

    void listener(ServerListener listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        ServerListener target = listener;
        if (target == null) {
            unowned(frame);
            return;
        }
        if (target.executor().inEventLoop()) {
            handOver();
            target.serverFrame(server, frame);
            return;
        }
        if (pendingFor != target) {
            handOver();
            pendingFor = target;
        }
        pending.add(frame);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerListener target = listener;
        if (!pending.isEmpty()) {
            handOver();
        } else if (target != null && target.executor().inEventLoop()) {
            target.serverReadComplete(server);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerListener target = listener;
        if (target != null) {
            boolean writable = ctx.channel().isWritable();
            runOn(target, () -> target.serverWritabilityChanged(server, writable), null);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handOver();
        ServerListener target = listener;
        if (target != null) {
            runOn(target, () -> target.serverClosed(server, null), null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}", server, cause.toString());
        ctx.close();
    }

    private void handOver() {
        if (pending.isEmpty()) {
            return;
        }
        List<ByteBuf> batch = pending;
        ServerListener target = pendingFor;
        pending = new ArrayList<>();
        pendingFor = null;
        runOn(target, () -> {
            int i = 0;
            try {
                for (; i < batch.size(); i++) {
                    target.serverFrame(server, batch.get(i));
                }
                target.serverReadComplete(server);
            } catch (RuntimeException e) {
                // The listener owned the frame that threw; the ones after it are still ours.
                for (int j = i + 1; j < batch.size(); j++) {
                    ReferenceCountUtil.safeRelease(batch.get(j));
                }
                log.warn("{}: listener failed: {}", server, e.toString());
                server.channel().close();
            }
        }, batch);
    }

    private static void runOn(ServerListener target, Runnable task, List<ByteBuf> owned) {
        try {
            target.executor().execute(task);
        } catch (RejectedExecutionException e) {
            if (owned != null) {
                owned.forEach(ReferenceCountUtil::safeRelease);
            }
        }
    }

    /** A message while nobody holds the connection: keep what describes the server, drop the rest. */
    private void unowned(ByteBuf frame) {
        try {
            byte type = Frames.type(frame);
            if (type == MessageType.PARAMETER_STATUS) {
                ParameterStatus status = ParameterStatus.decode(Frames.body(frame));
                server.parameter(status.name(), status.value());
            } else if (type == MessageType.ERROR_RESPONSE) {
                ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
                log.info("{} reported while idle: {} {}", server, error.sqlState(), error.message());
            }
        } finally {
            frame.release();
        }
    }
}
