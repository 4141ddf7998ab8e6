package io.pgrudder.protocol.codec;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.frontend.CancelRequest;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupMessage;

import java.util.List;

/**
 * Plays the pooler's startup phase (ClientStartupHandler, which lives in pooler-core) on an
 * EmbeddedChannel: SSLRequest and GSSENCRequest are declined and another startup packet is
 * expected, a CancelRequest ends the connection, and a StartupMessage hands over to a
 * {@link FrameDecoder} at the login limit and the {@link DecodingSink}.
 */
final class StartupStandIn extends ChannelInboundHandlerAdapter {
    private final DecodingSink sink;
    private final List<Throwable> errors;
    int packets;

    StartupStandIn(DecodingSink sink, List<Throwable> errors) {
        this.sink = sink;
        this.errors = errors;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SSLRequest || msg instanceof GSSENCRequest) {
            packets++;
            ctx.pipeline().addBefore(ctx.name(), null, new StartupDecoder());
        } else if (msg instanceof CancelRequest) {
            packets++;
            ctx.close();
        } else if (msg instanceof StartupMessage) {
            packets++;
            ctx.pipeline().addAfter(ctx.name(), "frames", new FrameDecoder(FrameDecoder.MAX_LOGIN_MESSAGE_SIZE));
            ctx.pipeline().addAfter("frames", "sink", sink);
            ctx.pipeline().remove(this);
        } else {
            // What follows a CancelRequest (the decoder hands it on when it leaves).
            ReferenceCountUtil.release(msg);
            errors.add(PgException.protocolViolation("unexpected data before the startup packet completed"));
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
        ctx.close();
    }
}
