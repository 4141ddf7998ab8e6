package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.frontend.StartupPacket;

import java.util.List;

/**
 * One client-to-server frame as bytes: a startup packet (int32 length first) or a typed message
 * (type byte, then int32 length). After a mutation the bytes need not agree with the length.
 */
public record WireFrame(byte[] bytes, boolean startupPacket) {

    public static WireFrame of(FrontendMessage message) {
        ByteBuf out = Unpooled.buffer();
        try {
            message.encode(out);
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return new WireFrame(bytes, message instanceof StartupPacket);
        } finally {
            out.release();
        }
    }

    /** Where the int32 length starts. */
    public int lengthOffset() {
        return startupPacket ? 0 : 1;
    }

    /** Where the body (after the length) starts. */
    public int bodyOffset() {
        return lengthOffset() + 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireFrame other && startupPacket == other.startupPacket
                && java.util.Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(bytes) + Boolean.hashCode(startupPacket);
    }

    public static byte[] concat(List<WireFrame> frames) {
        int size = 0;
        for (WireFrame f : frames) {
            size += f.bytes.length;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (WireFrame f : frames) {
            System.arraycopy(f.bytes, 0, all, at, f.bytes.length);
            at += f.bytes.length;
        }
        return all;
    }
}
