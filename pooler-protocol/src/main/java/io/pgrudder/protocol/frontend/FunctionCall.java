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

/** FunctionCall ('F'): the legacy fast-path call of a function by OID; a null argument is SQL NULL. */
public record FunctionCall(int functionOid, short[] argumentFormats, List<byte[]> arguments, short resultFormat)
        implements FrontendMessage {
    public FunctionCall {
        Objects.requireNonNull(argumentFormats, "argumentFormats");
        arguments = ByteArrays.copyOf(arguments);
    }

    public static FunctionCall decode(ByteBuf body) {
        int oid = Frames.readInt32(body);
        short[] formats = Frames.readInt16Array(body, Frames.readCount16(body));
        int count = Frames.readCount16(body);
        Frames.need(body, 4L * count);
        List<byte[]> arguments = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            arguments.add(Frames.readNullableBytes(body));
        }
        short resultFormat = Frames.readInt16(body);
        Frames.requireEnd(body, "FunctionCall");
        return new FunctionCall(oid, formats, arguments, resultFormat);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.FUNCTION_CALL);
        out.writeInt(functionOid);
        Frames.writeCount16(out, argumentFormats.length);
        for (short format : argumentFormats) {
            out.writeShort(format);
        }
        Frames.writeCount16(out, arguments.size());
        for (byte[] argument : arguments) {
            Frames.writeNullableBytes(out, argument);
        }
        out.writeShort(resultFormat);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunctionCall other && functionOid == other.functionOid
                && Arrays.equals(argumentFormats, other.argumentFormats)
                && ByteArrays.equals(arguments, other.arguments) && resultFormat == other.resultFormat;
    }

    @Override
    public int hashCode() {
        return Objects.hash(functionOid, Arrays.hashCode(argumentFormats), ByteArrays.hashCode(arguments), resultFormat);
    }

    @Override
    public String toString() {
        return "FunctionCall[functionOid=" + functionOid + ", argumentFormats=" + Arrays.toString(argumentFormats)
                + ", arguments=" + ByteArrays.toString(arguments) + ", resultFormat=" + resultFormat + "]";
    }
}
