package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupPacket;

import java.util.List;

/**
 * Reads the first packet of a client connection (StartupMessage, SSLRequest, GSSENCRequest or
 * CancelRequest), emits it as a {@link StartupPacket} and removes itself, like Netty's
 * HAProxyMessageDecoder. Bytes that arrived after a StartupMessage go on to the next handler as a
 * ByteBuf. After an SSLRequest the caller adds a new StartupDecoder behind the TLS handler.
 *
 * <p>Bytes that came in the clear together with an SSLRequest or GSSENCRequest are refused, as
 * PostgreSQL does since CVE-2021-23222: they were sent before the client could know our answer, so
 * they did not go through TLS and may have been injected by a man in the middle.
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
        if ((packet instanceof SSLRequest || packet instanceof GSSENCRequest) && in.readableBytes() > length) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw PgException.protocolViolation(packet instanceof SSLRequest
                    ? "received unencrypted data after SSL request"
                    : "received unencrypted data after GSSAPI encryption request");
        }
        in.skipBytes(length);
        out.add(packet);
        ctx.pipeline().remove(this);
    }
}
