package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/** CopyData ('d'), both directions: a chunk of the COPY stream. */
public record CopyData(byte[] data) implements FrontendMessage, BackendMessage {
    public CopyData {
        java.util.Objects.requireNonNull(data, "data");
    }

    public static CopyData decode(ByteBuf body) {
        return new CopyData(Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.COPY_DATA);
        out.writeBytes(data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyData other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "CopyData[data=" + ByteArrays.toString(data) + "]";
    }
}
