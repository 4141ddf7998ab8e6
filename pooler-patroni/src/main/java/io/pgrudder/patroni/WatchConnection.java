package io.pgrudder.patroni;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;

import io.pgrudder.core.config.PatroniEtcdSettings;

/**
 * The connection of one {@code POST /v3/watch} on etcd's gateway: connected on the watch's own
 * event loop (TLS when configured, keep-alive on, no aggregation: the body streams), the request
 * sent once connected, its answer read by a {@link WatchStreamHandler}.
 */
final class WatchConnection {

    private WatchConnection() {
    }

    /** Starts connecting to {@code host}; the answer will go to {@code owner}. */
    static ChannelFuture connect(EventLoop loop, Class<? extends Channel> channelType, Optional<SslContext> tls,
            long timeoutMillis, PatroniEtcdSettings.Endpoint host, WatchStreamHandler.Owner owner) {
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        tls.ifPresent(ctx -> ch.pipeline().addLast("tls", ctx.newHandler(ch.alloc(), host.host(),
                                host.port())));
                        ch.pipeline().addLast("http", new HttpClientCodec());
                        ch.pipeline().addLast("watch", new WatchStreamHandler(owner));
                    }
                });
        return bootstrap.connect(host.host(), host.port());
    }

    /**
     * Once {@code connect} succeeds, sends the watch request {@code json} (with {@code authorization}
     * unless null); a failed connect or write goes to {@code failed} with its reason.
     */
    static void sendWhenConnected(ChannelFuture connect, PatroniEtcdSettings.Endpoint host, String json,
            String authorization, Consumer<String> failed) {
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                failed.accept(PatroniHttpClient.connectFailure(f.cause()).toString());
                return;
            }
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    "/v3/watch", Unpooled.wrappedBuffer(bytes));
            request.headers()
                    .set(HttpHeaderNames.HOST, PatroniHttpClient.hostHeader(host.host(), host.port()))
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                    .set(HttpHeaderNames.USER_AGENT, "pgrudder");
            if (authorization != null) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
            }
            connect.channel().writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess()) {
                    failed.accept("write failed: " + PatroniHttpClient.brief(w.cause()));
                }
            });
        });
    }
}
