package io.pgrudder.core.backend;

import java.util.Map;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.net.Transport;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.codec.FrameCodec;

/** Opens and logs in server connections on a given event loop. */
public final class ServerConnector {
    private final int maxMessageSize;

    private final Map<ChannelOption<?>, Object> socketOptions;

    public ServerConnector(int maxMessageSize) {
        this(maxMessageSize, Map.of(ChannelOption.TCP_NODELAY, true, ChannelOption.SO_KEEPALIVE, true));
    }

    /** @param socketOptions set on every server connection (TCP_NODELAY, keepalives: {@link io.pgrudder.core.net.TcpSettings}) */
    public ServerConnector(int maxMessageSize, Map<ChannelOption<?>, Object> socketOptions) {
        this.maxMessageSize = maxMessageSize;
        this.socketOptions = Map.copyOf(socketOptions);
    }

    /**
     * Connects on {@code loop}; the future completes on that loop with a logged-in connection in
     * state {@link ServerState#AUTHENTICATING} (the pool moves it on), or fails with a PgException.
     */
    public Future<ServerConnection> connect(EventLoop loop, ServerLogin login) {
        Promise<ServerConnection> result = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(Transport.socketChannel())
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, login.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ServerConnection server = new ServerConnection(ch, login.address(), login.startupParameters(),
                                login.tls());
                        if (login.tls().mode().usesTls()) {
                            // SSLRequest and its one-byte answer come before any framing; on 'S' this
                            // becomes the SslHandler, still in front of the frame decoder.
                            ch.pipeline().addLast("tls-negotiation", new ServerTlsNegotiator(login.tls(), login.address()));
                        }
                        ch.pipeline().addLast("frames", new FrameCodec(maxMessageSize));
                        ch.pipeline().addLast("login", new ServerLoginHandler(server, login, result));
                    }
                });
        socketOptions.forEach((option, value) -> bootstrap.option(unchecked(option), value));
        ChannelFuture connect = bootstrap.connect(login.address().host(), login.address().port());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                result.tryFailure(PgException.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                        "could not connect to server " + login.address().host() + ":" + login.address().port()
                                + ": " + (cause == null ? "unknown error" : cause.getMessage())));
            }
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    private static ChannelOption<Object> unchecked(ChannelOption<?> option) {
        return (ChannelOption<Object>) option;
    }
}
