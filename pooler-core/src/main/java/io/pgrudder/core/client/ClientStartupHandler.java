package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.pgrudder.core.Pooler;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.codec.FrameCodec;
import io.pgrudder.protocol.codec.FrameDecoder;
import io.pgrudder.protocol.codec.StartupDecoder;
import io.pgrudder.protocol.frontend.CancelRequest;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupMessage;
import io.pgrudder.protocol.backend.NegotiateProtocolVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The startup phase of a client connection: answers SSLRequest ('S' and TLS, or 'N') and
 * GSSENCRequest ('N'), forwards a CancelRequest, or takes the StartupMessage, negotiates the
 * protocol version down to 3.0 and hands over to the authentication phase.
 */
final class ClientStartupHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientStartupHandler.class);
    private static final byte SSL_YES = 'S';
    private static final byte NO = 'N';
    /** Most clients of a pool send the same startup parameters: one map for all of them. */
    private static final SharedMaps<String> STARTUP_PARAMETERS = new SharedMaps<>();

    private final Pooler pooler;
    private boolean tlsDone;

    ClientStartupHandler(Pooler pooler) {
        this.pooler = pooler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SSLRequest) {
            negotiateTls(ctx);
        } else if (msg instanceof GSSENCRequest) {
            expectAnotherPacket(ctx);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{NO}));
        } else if (msg instanceof CancelRequest cancel) {
            // Closed when the cancel is over, not before: the client waits for this close.
            pooler.cancels().cancel(new CancelKey(cancel.processId(), cancel.secretKey()), ctx::close);
        } else if (msg instanceof StartupMessage startup) {
            startup(ctx, startup);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
            fail(ctx, PgException.protocolViolation("unexpected data before the startup packet completed"));
        }
    }

    private void negotiateTls(ChannelHandlerContext ctx) {
        if (tlsDone) {
            fail(ctx, PgException.protocolViolation("SSLRequest received on a connection that already uses TLS"));
            return;
        }
        expectAnotherPacket(ctx);
        if (pooler.clientTls() == null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{NO}));
            return;
        }
        tlsDone = true;
        // startTls: the 'S' itself goes out in the clear, everything after it is encrypted.
        SslHandler ssl = new SslHandler(pooler.clientTls().newEngine(ctx.alloc()), true);
        ctx.pipeline().addFirst("tls", ssl);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{SSL_YES}));
    }

    /** The startup decoder removes itself after one packet; SSL and GSSENC answers expect another. */
    private void expectAnotherPacket(ChannelHandlerContext ctx) {
        ctx.pipeline().addBefore(ctx.name(), null, new StartupDecoder());
    }

    private void startup(ChannelHandlerContext ctx, StartupMessage startup) {
        Map<String, String> parameters = new LinkedHashMap<>();
        List<String> unsupportedOptions = new ArrayList<>();
        startup.parameters().forEach((k, v) -> {
            if (k.startsWith("_pq_.")) {
                unsupportedOptions.add(k);
            } else {
                parameters.put(k, v);
            }
        });
        int minor = startup.protocolVersion() & 0xffff;
        if (minor > 0 || !unsupportedOptions.isEmpty()) {
            // We speak 3.0 to every server, so that is what we offer the client (it may ask for 3.2).
            ByteBuf out = ctx.alloc().buffer();
            new NegotiateProtocolVersion(StartupMessage.PROTOCOL_3_0, unsupportedOptions).encode(out);
            ctx.write(out);
        }
        String user = parameters.get("user");
        if (user == null || user.isEmpty()) {
            fail(ctx, PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet"));
            return;
        }
        String replication = parameters.get("replication");
        if (replication != null && !List.of("false", "off", "no", "0").contains(replication.toLowerCase())) {
            fail(ctx, PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                    "replication connections are not supported by pgrudder; connect to PostgreSQL directly"));
            return;
        }
        String database = parameters.getOrDefault("database", user);
        if (database.isEmpty()) {
            database = user;
        }
        if (pooler.stats().adminConsole().takeOver(ctx, database, user, parameters)) {
            return;
        }
        var pool = pooler.pools().database(database);
        if (pool.isEmpty()) {
            fail(ctx, PgException.fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + database + "\" does not exist"));
            return;
        }
        if (pool.get().shards().size() > 1) {
            // Sending a sharded pool's queries to one shard would put rows on the wrong shard.
            fail(ctx, PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, "database \"" + database + "\" is sharded ("
                    + pool.get().shards().size() + " shards) and pgrudder does not support sharding; "
                    + "give each shard its own pool"));
            return;
        }
        parameters.remove("user");
        parameters.remove("database");
        ClientAuthHandler auth = new ClientAuthHandler(pooler, database, user, STARTUP_PARAMETERS.of(parameters));
        // Until AuthenticationOk only password/SASL messages may come: PostgreSQL's 64 KiB limit, not
        // max_message_size (ClientAuthHandler raises it once the client is authenticated).
        ctx.pipeline().addAfter(ctx.name(), "frames",
                new FrameCodec(Math.min(FrameDecoder.MAX_LOGIN_MESSAGE_SIZE, pooler.maxMessageSize())));
        ctx.pipeline().addAfter("frames", "auth", auth);
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = ClientErrors.unwrap(cause);
        if (root instanceof PgException pg) {
            fail(ctx, pg);
        } else {
            log.debug("client {} failed during startup: {}", ctx.channel().remoteAddress(), root.toString());
            ctx.close();
        }
    }

    private static void fail(ChannelHandlerContext ctx, PgException e) {
        ctx.writeAndFlush(ClientErrors.encode(ctx.channel(), e)).addListener(ChannelFutureListener.CLOSE);
    }
}
