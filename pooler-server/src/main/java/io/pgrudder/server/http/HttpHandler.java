package io.pgrudder.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pgrudder.server.lifecycle.Health;
import io.pgrudder.server.metrics.PrometheusMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/** GET /healthz, /readyz and (when enabled) /metrics; 404 elsewhere, 405 for other methods. */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Health health;
    private final PrometheusMetrics metrics;

    HttpHandler(Health health, PrometheusMetrics metrics) {
        this.health = health;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean head = HttpMethod.HEAD.equals(request.method());
        if (!HttpMethod.GET.equals(request.method()) && !head) {
            respond(ctx, keepAlive, head, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "only GET\n");
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        switch (path) {
            case "/readyz" -> {
                boolean ready = health.ready();
                respond(ctx, keepAlive, head, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        TEXT, ready ? "ready\n" : "not ready (starting or draining)\n");
            }
            case "/healthz" -> health.live().whenComplete((problem, e) -> ctx.executor().execute(() -> {
                boolean ok = problem == null && e == null;
                respond(ctx, keepAlive, head, ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        TEXT, ok ? "ok\n" : (problem != null ? problem : String.valueOf(e)) + "\n");
            }));
            case "/metrics" -> {
                if (metrics == null) {
                    respond(ctx, keepAlive, head, HttpResponseStatus.NOT_FOUND, TEXT,
                            "the Prometheus exporter is off (general.enable_prometheus_exporter = true turns it on)\n");
                    return;
                }
                metrics.scrape().whenComplete((text, e) -> ctx.executor().execute(() -> {
                    if (e != null) {
                        log.warn("metrics scrape failed: {}", e.toString());
                        respond(ctx, keepAlive, head, HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT, e + "\n");
                    } else {
                        respond(ctx, keepAlive, head, HttpResponseStatus.OK, PROMETHEUS_TEXT, text);
                    }
                }));
            }
            default -> respond(ctx, keepAlive, head, HttpResponseStatus.NOT_FOUND, TEXT, "not found\n");
        }
    }

    private static void respond(ChannelHandlerContext ctx, boolean keepAlive, boolean head, HttpResponseStatus status,
                                String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("http {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
