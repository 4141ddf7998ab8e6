package io.pgrudder.core.client;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.codec.StartupDecoder;

/**
 * The pipeline of a new client connection: counted against max_client_conn, timed by
 * client_login_timeout, then the one-shot startup phase.
 */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final Pooler pooler;

    public ClientChannelInitializer(Pooler pooler) {
        this.pooler = pooler;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        GeneralConfig general = pooler.config().general();
        if (!pooler.clientConnections().admit(ch, general.maxClientConn())) {
            // PostgreSQL's words for max_connections. Nothing the client sent is read.
            ch.writeAndFlush(ClientErrors.encode(ch, PgException.fatal(SqlState.TOO_MANY_CONNECTIONS,
                    "sorry, too many clients already"))).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        LoginTimeout.start(ch, general.clientLoginTimeout());
        ch.pipeline().addLast(new StartupDecoder(), new ClientStartupHandler(pooler));
    }
}
