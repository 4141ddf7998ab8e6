package io.pgrudder.patroni;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The reading end of one {@code POST /v3/watch} on etcd's gateway: checks the status line, cuts the
 * chunked body into its JSON messages and hands each, parsed, to the owner; the first problem
 * (not 200, a message that is not JSON or too large, the body ending, the connection closing)
 * ends the stream once, with its reason. Runs on the channel's event loop; each chunk is
 * released by {@link SimpleChannelInboundHandler} after it was copied into the splitter.
 */
final class WatchStreamHandler extends SimpleChannelInboundHandler<HttpObject> {

    /** What the owner hears, on the channel's event loop. */
    interface Owner {
        void message(JsonNode message);

        /** The stream is over; called exactly once. */
        void ended(String reason);
    }

    static final int MAX_MESSAGE = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Owner owner;
    private final JsonObjectSplitter splitter = new JsonObjectSplitter(MAX_MESSAGE);
    private boolean ended;

    WatchStreamHandler(Owner owner) {
        this.owner = owner;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (ended) {
            return;
        }
        if (msg.decoderResult().isFailure()) {
            end(ctx, "not HTTP: " + PatroniHttpClient.brief(msg.decoderResult().cause()));
            return;
        }
        if (msg instanceof HttpResponse response && !response.status().equals(HttpResponseStatus.OK)) {
            end(ctx, "watch answered HTTP " + response.status().code());
            return;
        }
        if (msg instanceof HttpContent content) {
            ByteBuf data = content.content();
            byte[] bytes = ByteBufUtil.getBytes(data);
            try {
                splitter.feed(bytes, 0, bytes.length, object -> {
                    if (!ended) {
                        parse(ctx, object);
                    }
                });
            } catch (JsonObjectSplitter.TooLargeException e) {
                end(ctx, e.getMessage());
                return;
            }
            if (msg instanceof LastHttpContent && !ended) {
                end(ctx, "etcd ended the watch stream");
            }
        }
    }

    private void parse(ChannelHandlerContext ctx, byte[] object) {
        JsonNode node;
        try {
            node = JSON.readTree(object);
        } catch (IOException e) {
            end(ctx, "watch message is not JSON: " + PatroniHttpClient.brief(e));
            return;
        }
        owner.message(node);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ended) {
            ended = true;
            owner.ended("connection closed");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        end(ctx, PatroniHttpClient.brief(cause));
    }

    private void end(ChannelHandlerContext ctx, String reason) {
        if (!ended) {
            ended = true;
            owner.ended(reason);
        }
        ctx.close();
    }
}
