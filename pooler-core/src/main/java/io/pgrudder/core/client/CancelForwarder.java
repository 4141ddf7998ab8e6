package io.pgrudder.core.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.backend.ServerTlsNegotiator;
import io.pgrudder.core.net.Transport;
import io.pgrudder.protocol.frontend.CancelRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Sends a CancelRequest for one server connection over a new connection to the same server, over
 * TLS when that connection uses TLS.
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
        // Like libpq's PQcancelCreate (PostgreSQL 17): the cancel travels as the connection did, so
        // the backend's secret key never crosses the network in the clear when the session does not.
        ServerTls tls = server.encrypted() ? server.tls() : ServerTls.DISABLED;
        new Bootstrap()
                .group(loop)
                .channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) MAX_WAIT_MILLIS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls.mode().usesTls()) {
                            ch.pipeline().addLast(new ServerTlsNegotiator(tls, server.address()));
                        }
                        ch.pipeline().addLast(new CancelSender(server, request, tls.mode().usesTls()));
                    }
                })
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
                });
        return done;
    }

    /**
     * Writes the CancelRequest as soon as the connection may carry it: at once in plaintext, after
     * the handshake with TLS. PostgreSQL answers nothing and closes the connection.
     */
    private static final class CancelSender extends ChannelInboundHandlerAdapter {
        private final ServerConnection server;
        private final CancelRequest request;
        private final boolean waitForTls;
        private boolean sent;
        private boolean gaveUp;

        CancelSender(ServerConnection server, CancelRequest request, boolean waitForTls) {
            this.server = server;
            this.request = request;
            this.waitForTls = waitForTls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!waitForTls) {
                send(ctx);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                if (handshake.isSuccess()) {
                    send(ctx);
                } else {
                    giveUp(ctx, handshake.cause());
                }
            } else if (evt == ServerTlsNegotiator.PLAINTEXT) {
                send(ctx);
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // PostgreSQL sends nothing back to a CancelRequest
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            giveUp(ctx, cause);
        }

        private void giveUp(ChannelHandlerContext ctx, Throwable cause) {
            if (!sent && !gaveUp) {
                gaveUp = true; // one warning per cancel
                Throwable shown = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
                log.warn("could not forward cancel to {}: {}", server, shown.getMessage());
            } else {
                log.debug("cancel connection to {} ended with: {}", server, cause.toString());
            }
            ctx.close();
        }

        private void send(ChannelHandlerContext ctx) {
            if (sent || gaveUp) {
                return;
            }
            sent = true;
            ByteBuf out = ctx.alloc().buffer(16 + request.secretKey().length);
            request.encode(out);
            ctx.writeAndFlush(out);
        }
    }
}
