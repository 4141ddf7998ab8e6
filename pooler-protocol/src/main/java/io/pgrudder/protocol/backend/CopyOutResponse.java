package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** CopyOutResponse ('H'): COPY TO STDOUT data follows. Overall format 0 is text, 1 binary; one format code per column. */
public record CopyOutResponse(byte overallFormat, short[] columnFormats) implements BackendMessage {
    public CopyOutResponse {
        Objects.requireNonNull(columnFormats, "columnFormats");
    }

    public static CopyOutResponse decode(ByteBuf body) {
        CopyFormats.Body b = CopyFormats.read(body, "CopyOutResponse");
        return new CopyOutResponse(b.overallFormat(), b.columnFormats());
    }

    @Override
    public void encode(ByteBuf out) {
        CopyFormats.write(out, MessageType.COPY_OUT_RESPONSE, overallFormat, columnFormats);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyOutResponse other && overallFormat == other.overallFormat
                && Arrays.equals(columnFormats, other.columnFormats);
    }

    @Override
    public int hashCode() {
        return CopyFormats.hash(overallFormat, columnFormats);
    }

    @Override
    public String toString() {
        return CopyFormats.describe("CopyOutResponse", overallFormat, columnFormats);
    }
}
