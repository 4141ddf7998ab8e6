package io.pgrudder.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.pgrudder.core.net.Transport;
import io.pgrudder.server.lifecycle.Health;
import io.pgrudder.server.metrics.PrometheusMetrics;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP listener on {@code general.host:prometheus_exporter_port}: {@code /healthz} and
 * {@code /readyz} always, {@code /metrics} when the exporter is enabled. Its own event loop, so a
 * busy pooler loop does not hold up a probe (the liveness check asks those loops separately).
 */
public final class HttpEndpoint implements AutoCloseable {
    private final EventLoopGroup group = Transport.newGroup(1, "pgrudder-http");
    private final Channel channel;

    public HttpEndpoint(String host, int port, Health health, PrometheusMetrics metrics) throws Exception {
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(Transport.serverSocketChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(8192),
                                    new HttpHandler(health, metrics));
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (Exception e) { // includes the bind failure, a checked IOException Netty throws unchecked
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
