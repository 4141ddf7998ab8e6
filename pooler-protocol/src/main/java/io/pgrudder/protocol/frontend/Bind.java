package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Bind ('B'): bind parameter values to a prepared statement, creating a portal. A null element of
 * {@code parameters} is SQL NULL. Format-code counts are not checked against the parameter count
 * here; the server does that.
 */
public record Bind(String portal, String statement, short[] parameterFormats, List<byte[]> parameters,
                   short[] resultFormats) implements FrontendMessage {
    public Bind {
        Objects.requireNonNull(portal, "portal");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(parameterFormats, "parameterFormats");
        parameters = ByteArrays.copyOf(parameters);
        Objects.requireNonNull(resultFormats, "resultFormats");
    }

    public static Bind decode(ByteBuf body) {
        String portal = Frames.readCString(body);
        String statement = Frames.readCString(body);
        short[] parameterFormats = Frames.readInt16Array(body, Frames.readCount16(body));
        int count = Frames.readCount16(body);
        Frames.need(body, 4L * count);
        List<byte[]> parameters = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            parameters.add(Frames.readNullableBytes(body));
        }
        short[] resultFormats = Frames.readInt16Array(body, Frames.readCount16(body));
        Frames.requireEnd(body, "Bind");
        return new Bind(portal, statement, parameterFormats, parameters, resultFormats);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.BIND);
        Frames.writeCString(out, portal);
        Frames.writeCString(out, statement);
        Frames.writeCount16(out, parameterFormats.length);
        for (short format : parameterFormats) {
            out.writeShort(format);
        }
        Frames.writeCount16(out, parameters.size());
        for (byte[] value : parameters) {
            Frames.writeNullableBytes(out, value);
        }
        Frames.writeCount16(out, resultFormats.length);
        for (short format : resultFormats) {
            out.writeShort(format);
        }
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bind other && portal.equals(other.portal) && statement.equals(other.statement)
                && Arrays.equals(parameterFormats, other.parameterFormats)
                && ByteArrays.equals(parameters, other.parameters)
                && Arrays.equals(resultFormats, other.resultFormats);
    }

    @Override
    public int hashCode() {
        return Objects.hash(portal, statement, Arrays.hashCode(parameterFormats), ByteArrays.hashCode(parameters),
                Arrays.hashCode(resultFormats));
    }

    @Override
    public String toString() {
        return "Bind[portal=" + portal + ", statement=" + statement
                + ", parameterFormats=" + Arrays.toString(parameterFormats)
                + ", parameters=" + ByteArrays.toString(parameters)
                + ", resultFormats=" + Arrays.toString(resultFormats) + "]";
    }
}
