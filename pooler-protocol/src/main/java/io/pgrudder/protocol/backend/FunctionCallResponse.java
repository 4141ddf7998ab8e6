package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;

/** FunctionCallResponse ('V'): the result of a FunctionCall; null is SQL NULL (length -1). */
public record FunctionCallResponse(byte[] result) implements BackendMessage {
    public static FunctionCallResponse decode(ByteBuf body) {
        byte[] result = Frames.readNullableBytes(body);
        Frames.requireEnd(body, "FunctionCallResponse");
        return new FunctionCallResponse(result);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.FUNCTION_CALL_RESPONSE);
        Frames.writeNullableBytes(out, result);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunctionCallResponse other && Arrays.equals(result, other.result);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(result);
    }

    @Override
    public String toString() {
        return "FunctionCallResponse[result=" + ByteArrays.toString(result) + "]";
    }
}
