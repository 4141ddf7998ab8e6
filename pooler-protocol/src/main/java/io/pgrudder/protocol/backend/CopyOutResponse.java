package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** CopyOutResponse ('H'): COPY TO STDOUT data follows. Overall format 0 is text, 1 binary; one format code per column. */
public record CopyOutResponse(byte overallFormat, short[] columnFormats) implements BackendMessage {
    public CopyOutResponse {
        Objects.requireNonNull(columnFormats, "columnFormats");
    }

    public static CopyOutResponse decode(ByteBuf body) {
        byte overallFormat = Frames.readInt8(body);
        short[] columnFormats = Frames.readInt16Array(body, Frames.readCount16(body));
        Frames.requireEnd(body, "CopyOutResponse");
        return new CopyOutResponse(overallFormat, columnFormats);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.COPY_OUT_RESPONSE);
        out.writeByte(overallFormat);
        Frames.writeCount16(out, columnFormats.length);
        for (short format : columnFormats) {
            out.writeShort(format);
        }
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyOutResponse other && overallFormat == other.overallFormat
                && Arrays.equals(columnFormats, other.columnFormats);
    }

    @Override
    public int hashCode() {
        return 31 * overallFormat + Arrays.hashCode(columnFormats);
    }

    @Override
    public String toString() {
        return "CopyOutResponse[overallFormat=" + overallFormat + ", columnFormats=" + Arrays.toString(columnFormats) + "]";
    }
}
