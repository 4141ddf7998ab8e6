package io.pgrudder.patroni;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;

import io.pgrudder.core.topology.PollResult;

/**
 * A tiny non-blocking HTTP/1.1 client for Patroni's REST API (GET) and etcd's v3 gateway (POST of
 * JSON): one connection per request
 * ({@code Connection: close}; Patroni answers HTTP/1.0 and closes anyway), a hard deadline per
 * request covering connect, send and receive, and every failure mapped to a {@link PollResult}.
 * The returned future completes on the channel's event loop; callers must not block there.
 */
final class PatroniHttpClient {

    static final int MAX_BODY = 1 << 20;

    private final Bootstrap bootstrap;
    private final Optional<SslContext> ssl;
    private final long timeoutMillis;

    PatroniHttpClient(EventLoopGroup group, Class<? extends Channel> channelType, Optional<SslContext> ssl,
            Duration timeout) {
        this.ssl = ssl;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.TCP_NODELAY, true);
    }

    CompletableFuture<HttpOutcome> get(String host, int port, String path) {
        return request(HttpMethod.GET, host, port, path, null, null, timeoutMillis, false);
    }

    /** POST of a JSON body (etcd's v3 gateway takes its requests so). */
    CompletableFuture<HttpOutcome> post(String host, int port, String path, String jsonBody) {
        return post(host, port, path, jsonBody, null);
    }

    /** POST of a JSON body with an {@code Authorization} header (etcd's auth token), when not null. */
    CompletableFuture<HttpOutcome> post(String host, int port, String path, String jsonBody, String authorization) {
        return request(HttpMethod.POST, host, port, path, jsonBody, authorization, timeoutMillis, true);
    }

    /**
     * POST of a JSON body to an endpoint that acts and then answers ({@code /switchover}): its own
     * deadline, and a refusal's detail carries the status and the start of the body (Patroni says
     * there why it refused).
     */
    CompletableFuture<HttpOutcome> act(String host, int port, String path, String jsonBody, String authorization,
            Duration timeout) {
        return request(HttpMethod.POST, host, port, path, jsonBody, authorization, Math.max(1, timeout.toMillis()), true);
    }

    private CompletableFuture<HttpOutcome> request(HttpMethod method, String host, int port, String path,
            String jsonBody, String authorization, long timeoutMillis, boolean refusalBody) {
        CompletableFuture<HttpOutcome> outcome = new CompletableFuture<>();
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                ssl.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc(), host, port)));
                p.addLast("http", new HttpClientCodec());
                p.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
                p.addLast("answer", new AnswerHandler(outcome, refusalBody));
            }
        });
        ChannelFuture connect = b.connect(host, port);
        Channel channel = connect.channel();
        var deadline = channel.eventLoop().schedule(() -> {
            outcome.complete(HttpOutcome.failed(PollResult.timeout("no answer in " + timeoutMillis + " ms")));
            channel.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        outcome.whenComplete((o, e) -> {
            deadline.cancel(false);
            channel.close();
        });
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                outcome.complete(HttpOutcome.failed(connectFailure(f.cause())));
                return;
            }
            DefaultFullHttpRequest request = jsonBody == null
                    ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path)
                    : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                            Unpooled.copiedBuffer(jsonBody, StandardCharsets.UTF_8));
            request.headers()
                    .set(HttpHeaderNames.HOST, hostHeader(host, port))
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.USER_AGENT, "pgrudder");
            if (authorization != null) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
            }
            if (jsonBody != null) {
                request.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes());
            }
            channel.writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess()) {
                    outcome.complete(HttpOutcome.failed(PollResult.closed("write failed: " + brief(w.cause()))));
                }
            });
        });
        return outcome;
    }

    static String hostHeader(String host, int port) {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    static PollResult connectFailure(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return PollResult.timeout("connect timed out");
        }
        if (cause instanceof ConnectException) {
            return PollResult.refused("connection refused");
        }
        return PollResult.closed("connect failed: " + brief(cause));
    }

    static String brief(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /** Turns the one aggregated response (or its absence) into the outcome. */
    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<HttpOutcome> outcome;

        private final boolean refusalBody;

        AnswerHandler(CompletableFuture<HttpOutcome> outcome, boolean refusalBody) {
            this.outcome = outcome;
            this.refusalBody = refusalBody;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.decoderResult().isFailure()) {
                outcome.complete(HttpOutcome.failed(PollResult.badResponse("not HTTP: "
                        + brief(response.decoderResult().cause()))));
            } else if (!response.status().equals(HttpResponseStatus.OK)) {
                String body = refusalBody ? response.content().toString(StandardCharsets.UTF_8).strip() : "";
                outcome.complete(HttpOutcome.failed(PollResult.badResponse("HTTP " + response.status().code()
                        + (body.isEmpty() ? "" : ": " + (body.length() > 300 ? body.substring(0, 300) + "..." : body)))));
            } else {
                outcome.complete(HttpOutcome.ok(response.content().toString(StandardCharsets.UTF_8)));
            }
            ctx.close();
        }

        /**
         * The server's TLS close_notify ends the answer as a TCP close would. Patroni's HTTPS API
         * ({@code RestApiServer.shutdown_request}) sends close_notify after the body and then
         * waits in {@code SSLSocket.unwrap()} for ours before it closes the socket, so an HTTP/1.0
         * body without Content-Length, which ends only at the close, would never end. Closing
         * answers its close_notify and lets the HTTP decoder finish the body.
         */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslCloseCompletionEvent) {
                ctx.close();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            outcome.complete(HttpOutcome.failed(PollResult.closed("closed before a complete answer")));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            PollResult result;
            if (cause instanceof TooLongFrameException) {
                result = PollResult.badResponse("answer larger than " + MAX_BODY + " bytes");
            } else if (cause instanceof DecoderException && !(cause.getCause() instanceof IOException)) {
                result = PollResult.badResponse("not HTTP: " + brief(cause));
            } else {
                result = PollResult.closed(brief(cause));
            }
            outcome.complete(HttpOutcome.failed(result));
            ctx.close();
        }
    }
}
