package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;

import java.net.SocketAddress;

/**
 * The {@link FrameDecoder} of a relaying connection, which also joins what is written to it:
 * consecutive writes of adjacent slices of one buffer (messages read in one batch and forwarded
 * unchanged) go out as one write at the next flush, not one outbound entry each (see
 * {@link AdjacentRun}). Any other write, a write with a real promise, or a flush first sends the
 * pending run, so the order on the wire is the order of the writes. A close drops it, as Netty
 * drops any write not flushed before a close.
 *
 * <p>It is one handler rather than a decoder and a joiner because it is in the pipeline of every
 * client and every server connection: one more handler context each would cost every idle client.
 */
public final class FrameCodec extends FrameDecoder implements ChannelOutboundHandler {
    private final AdjacentRun run = new AdjacentRun();

    public FrameCodec(int maxMessageSize) {
        super(maxMessageSize);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf && promise.isVoid()) {
            ByteBuf before = run.add(buf);
            if (before != null) {
                ctx.write(before, ctx.voidPromise());
            }
            return;
        }
        sendRun(ctx);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        sendRun(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        run.release();
        ctx.close(promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        run.release();
        ctx.disconnect(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
                        ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        run.release();
        super.handlerRemoved0(ctx);
    }

    private void sendRun(ChannelHandlerContext ctx) {
        ByteBuf pending = run.take();
        if (pending != null) {
            ctx.write(pending, ctx.voidPromise());
        }
    }
}
