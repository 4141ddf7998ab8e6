package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** CopyBothResponse ('W'): copy in both directions (streaming replication). Overall format 0 is text, 1 binary; one format code per column. */
public record CopyBothResponse(byte overallFormat, short[] columnFormats) implements BackendMessage {
    public CopyBothResponse {
        Objects.requireNonNull(columnFormats, "columnFormats");
    }

    public static CopyBothResponse decode(ByteBuf body) {
        byte overallFormat = Frames.readInt8(body);
        short[] columnFormats = Frames.readInt16Array(body, Frames.readCount16(body));
        Frames.requireEnd(body, "CopyBothResponse");
        return new CopyBothResponse(overallFormat, columnFormats);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.COPY_BOTH_RESPONSE);
        out.writeByte(overallFormat);
        Frames.writeCount16(out, columnFormats.length);
        for (short format : columnFormats) {
            out.writeShort(format);
        }
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyBothResponse other && overallFormat == other.overallFormat
                && Arrays.equals(columnFormats, other.columnFormats);
    }

    @Override
    public int hashCode() {
        return 31 * overallFormat + Arrays.hashCode(columnFormats);
    }

    @Override
    public String toString() {
        return "CopyBothResponse[overallFormat=" + overallFormat + ", columnFormats=" + Arrays.toString(columnFormats) + "]";
    }
}
