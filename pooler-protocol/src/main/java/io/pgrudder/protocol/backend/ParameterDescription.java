package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** ParameterDescription ('t'): the type OIDs of a prepared statement's parameters. */
public record ParameterDescription(int[] typeOids) implements BackendMessage {
    public ParameterDescription {
        Objects.requireNonNull(typeOids, "typeOids");
    }

    public static ParameterDescription decode(ByteBuf body) {
        int[] oids = Frames.readInt32Array(body, Frames.readCount16(body));
        Frames.requireEnd(body, "ParameterDescription");
        return new ParameterDescription(oids);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.PARAMETER_DESCRIPTION);
        Frames.writeCount16(out, typeOids.length);
        for (int oid : typeOids) {
            out.writeInt(oid);
        }
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterDescription other && Arrays.equals(typeOids, other.typeOids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(typeOids);
    }

    @Override
    public String toString() {
        return "ParameterDescription" + Arrays.toString(typeOids);
    }
}
