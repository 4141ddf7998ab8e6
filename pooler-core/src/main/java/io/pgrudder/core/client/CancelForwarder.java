package io.pgrudder.core.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.net.Transport;
import io.pgrudder.protocol.frontend.CancelRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Sends a CancelRequest for one server connection over a new connection to the same server.
 * PostgreSQL signals the backend and then closes that connection; the returned future completes
 * then (or after a bound), so a server connection is not handed to another client while a cancel
 * meant for the previous one may still land.
 */
public final class CancelForwarder {
    private static final Logger log = LoggerFactory.getLogger(CancelForwarder.class);
    private static final long MAX_WAIT_MILLIS = 5000;

    private final EventLoopGroup loops;

    public CancelForwarder(EventLoopGroup loops) {
        this.loops = loops;
    }

    public Future<Void> cancel(ServerConnection server) {
        EventLoop loop = loops.next();
        Promise<Void> done = loop.newPromise();
        loop.schedule(() -> done.trySuccess(null), MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        CancelRequest request = new CancelRequest(server.processId(), server.secretKey());
        new Bootstrap()
                .group(loop)
                .channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) MAX_WAIT_MILLIS)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.address().host(), server.address().port())
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        log.warn("could not forward cancel to {}: {}", server, f.cause().getMessage());
                        done.trySuccess(null);
                        return;
                    }
                    Channel ch = f.channel();
                    ch.closeFuture().addListener(c -> done.trySuccess(null));
                    done.addListener(x -> ch.close());
                    ByteBuf out = ch.alloc().buffer(16 + request.secretKey().length);
                    request.encode(out);
                    ch.writeAndFlush(out);
                });
        return done;
    }
}
