package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.frontend.StartupPacket;

import java.util.List;

/**
 * Reads the first packet of a client connection (StartupMessage, SSLRequest, GSSENCRequest or
 * CancelRequest), emits it as a {@link StartupPacket} and removes itself, like Netty's
 * HAProxyMessageDecoder. Bytes that arrived after the packet go on to the next handler as a
 * ByteBuf. After an SSLRequest the caller adds a new StartupDecoder behind the TLS handler.
 */
public final class StartupDecoder extends ByteToMessageDecoder {
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < StartupPacket.MIN_LENGTH || length > StartupPacket.MAX_LENGTH) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw PgException.protocolViolation("invalid length of startup packet: " + length);
        }
        if (in.readableBytes() < length) {
            return;
        }
        ByteBuf body = in.slice(in.readerIndex() + 4, length - 4);
        StartupPacket packet;
        try {
            packet = StartupPacket.decode(body);
        } catch (PgException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
        in.skipBytes(length);
        out.add(packet);
        ctx.pipeline().remove(this);
    }
}
