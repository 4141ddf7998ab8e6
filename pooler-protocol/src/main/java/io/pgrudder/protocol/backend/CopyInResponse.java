package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** CopyInResponse ('G'): the server is ready for COPY FROM STDIN data. Overall format 0 is text, 1 binary; one format code per column. */
public record CopyInResponse(byte overallFormat, short[] columnFormats) implements BackendMessage {
    public CopyInResponse {
        Objects.requireNonNull(columnFormats, "columnFormats");
    }

    public static CopyInResponse decode(ByteBuf body) {
        CopyFormats.Body b = CopyFormats.read(body, "CopyInResponse");
        return new CopyInResponse(b.overallFormat(), b.columnFormats());
    }

    @Override
    public void encode(ByteBuf out) {
        CopyFormats.write(out, MessageType.COPY_IN_RESPONSE, overallFormat, columnFormats);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyInResponse other && overallFormat == other.overallFormat
                && Arrays.equals(columnFormats, other.columnFormats);
    }

    @Override
    public int hashCode() {
        return CopyFormats.hash(overallFormat, columnFormats);
    }

    @Override
    public String toString() {
        return CopyFormats.describe("CopyInResponse", overallFormat, columnFormats);
    }
}
