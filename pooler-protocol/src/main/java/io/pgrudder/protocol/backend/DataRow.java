package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.ArrayList;
import java.util.List;

/**
 * DataRow ('D'): one row's column values; a null element is SQL NULL. The pooler relays rows as
 * frames; this type is for the few rows it makes itself (admin console) and for tests.
 */
public record DataRow(List<byte[]> values) implements BackendMessage {
    public DataRow {
        values = ByteArrays.copyOf(values);
    }

    public static DataRow decode(ByteBuf body) {
        int count = Frames.readCount16(body);
        Frames.need(body, 4L * count);
        List<byte[]> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(Frames.readNullableBytes(body));
        }
        Frames.requireEnd(body, "DataRow");
        return new DataRow(values);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.DATA_ROW);
        Frames.writeCount16(out, values.size());
        for (byte[] value : values) {
            Frames.writeNullableBytes(out, value);
        }
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataRow other && ByteArrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return ByteArrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "DataRow" + ByteArrays.toString(values);
    }
}
