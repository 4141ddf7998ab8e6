package io.pgrudder.core.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.net.Transport;
import io.pgrudder.protocol.frontend.CancelRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a CancelRequest for one server connection over a new connection to the same server. */
public final class CancelForwarder {
    private static final Logger log = LoggerFactory.getLogger(CancelForwarder.class);

    private final EventLoopGroup loops;

    public CancelForwarder(EventLoopGroup loops) {
        this.loops = loops;
    }

    public void cancel(ServerConnection server) {
        CancelRequest request = new CancelRequest(server.processId(), server.secretKey());
        new Bootstrap()
                .group(loops)
                .channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.address().host(), server.address().port())
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        log.warn("could not forward cancel to {}: {}", server, f.cause().getMessage());
                        return;
                    }
                    Channel ch = f.channel();
                    ByteBuf out = ch.alloc().buffer(16 + request.secretKey().length);
                    request.encode(out);
                    // PostgreSQL closes the socket after reading a CancelRequest; so do we once it is written.
                    ch.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                });
    }
}
