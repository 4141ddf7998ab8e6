package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.frontend.SSLRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;

/**
 * The first step of a connection to PostgreSQL when TLS is on: sends SSLRequest and reads the
 * one-byte answer, before any framing. On 'S' it replaces itself with an {@code SslHandler}, whose
 * {@code SslHandshakeCompletionEvent} tells the handlers behind it when to speak; on 'N' it goes
 * away and fires {@link #PLAINTEXT} if the mode allows plaintext, or fails the connection.
 *
 * <p>Failures are fired as {@code exceptionCaught} with a {@link PgException} (SQLSTATE 08006)
 * whose cause is an {@link SSLException}, so callers can tell a TLS setup problem, which a retry
 * only repeats, from a server that is briefly away.
 */
public final class ServerTlsNegotiator extends ChannelInboundHandlerAdapter {
    /** User event: the server declined TLS and the mode allows going on in plaintext. */
    public static final Object PLAINTEXT = new Object() {
        @Override
        public String toString() {
            return "ServerTlsNegotiator.PLAINTEXT";
        }
    };

    private static final Logger log = LoggerFactory.getLogger(ServerTlsNegotiator.class);

    private final ServerTls tls;
    private final ServerAddress address;
    private boolean answered;

    public ServerTlsNegotiator(ServerTls tls, ServerAddress address) {
        this.tls = tls;
        this.address = address;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf out = ctx.alloc().buffer(8);
        SSLRequest.INSTANCE.encode(out);
        ctx.writeAndFlush(out);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (answered || !in.isReadable()) {
                return;
            }
            answered = true;
            byte answer = in.readByte();
            if (in.isReadable()) {
                // Bytes after the answer were not protected by TLS: a man in the middle may have put
                // them there (CVE-2021-23222). libpq refuses them too.
                fail(ctx, "sent " + in.readableBytes() + " unencrypted byte(s) after its answer to SSLRequest");
            } else if (answer == 'S') {
                ctx.pipeline().replace(this, "tls", tls.newHandler(ctx.alloc(), address));
            } else if (answer == 'N' && tls.allowsPlaintext()) {
                if (tls.firstPlaintextFallback(address)) {
                    log.warn("server {}:{} does not accept TLS; connecting in plaintext, as {} allows"
                            + " (further such connections are not logged)", address.host(), address.port(), tls.describe());
                }
                ctx.pipeline().remove(this);
                ctx.fireUserEventTriggered(PLAINTEXT);
            } else if (answer == 'N') {
                fail(ctx, "does not accept TLS (it answered 'N' to SSLRequest; is ssl = on there?), and "
                        + tls.describe() + " does not allow plaintext; turn on ssl in PostgreSQL, or set server_tls ="
                        + " false, or server_tls_sslmode = \"prefer\" to fall back to plaintext as pgcat does");
            } else {
                fail(ctx, "answered SSLRequest with " + (answer == 'E' ? "an error" : "byte 0x"
                        + Integer.toHexString(answer & 0xff)) + " instead of 'S' or 'N'");
            }
        } finally {
            in.release();
        }
    }

    private void fail(ChannelHandlerContext ctx, String what) {
        String message = "server " + address.host() + ":" + address.port() + " " + what;
        ctx.fireExceptionCaught(new PgException(PgException.Severity.FATAL, SqlState.CONNECTION_FAILURE, message,
                null, null, new SSLException(message)));
    }
}
