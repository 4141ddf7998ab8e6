package io.pgrudder.core.client;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.pgrudder.core.Pooler;
import io.pgrudder.protocol.codec.StartupDecoder;

/** The pipeline of a new client connection: the one-shot startup phase comes first. */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final Pooler pooler;

    public ClientChannelInitializer(Pooler pooler) {
        this.pooler = pooler;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast(new StartupDecoder(), new ClientStartupHandler(pooler));
    }
}
