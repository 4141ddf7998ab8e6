package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** Parse ('P'): prepare {@code query} as statement {@code name} ("" = unnamed); a type OID of 0 leaves it unspecified. */
public record Parse(String name, String query, int[] parameterTypes) implements FrontendMessage {
    public Parse {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(parameterTypes, "parameterTypes");
    }

    public static Parse decode(ByteBuf body) {
        String name = Frames.readCString(body);
        String query = Frames.readCString(body);
        int[] types = Frames.readInt32Array(body, Frames.readCount16(body));
        Frames.requireEnd(body, "Parse");
        return new Parse(name, query, types);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.PARSE);
        Frames.writeCString(out, name);
        Frames.writeCString(out, query);
        Frames.writeCount16(out, parameterTypes.length);
        for (int type : parameterTypes) {
            out.writeInt(type);
        }
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parse other && name.equals(other.name) && query.equals(other.query)
                && Arrays.equals(parameterTypes, other.parameterTypes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, query, Arrays.hashCode(parameterTypes));
    }

    @Override
    public String toString() {
        return "Parse[name=" + name + ", query=" + query + ", parameterTypes=" + Arrays.toString(parameterTypes) + "]";
    }
}
