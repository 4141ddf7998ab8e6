package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** CopyBothResponse ('W'): copy in both directions (streaming replication). Overall format 0 is text, 1 binary; one format code per column. */
public record CopyBothResponse(byte overallFormat, short[] columnFormats) implements BackendMessage {
    public CopyBothResponse {
        Objects.requireNonNull(columnFormats, "columnFormats");
    }

    public static CopyBothResponse decode(ByteBuf body) {
        CopyFormats.Body b = CopyFormats.read(body, "CopyBothResponse");
        return new CopyBothResponse(b.overallFormat(), b.columnFormats());
    }

    @Override
    public void encode(ByteBuf out) {
        CopyFormats.write(out, MessageType.COPY_BOTH_RESPONSE, overallFormat, columnFormats);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyBothResponse other && overallFormat == other.overallFormat
                && Arrays.equals(columnFormats, other.columnFormats);
    }

    @Override
    public int hashCode() {
        return CopyFormats.hash(overallFormat, columnFormats);
    }

    @Override
    public String toString() {
        return CopyFormats.describe("CopyBothResponse", overallFormat, columnFormats);
    }
}
