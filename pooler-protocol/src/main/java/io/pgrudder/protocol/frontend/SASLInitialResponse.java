package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** SASLInitialResponse ('p'): the chosen mechanism and its first message; data is null when sent as length -1. */
public record SASLInitialResponse(String mechanism, byte[] data) implements FrontendMessage {
    public SASLInitialResponse {
        Objects.requireNonNull(mechanism, "mechanism");
    }

    public static SASLInitialResponse decode(ByteBuf body) {
        String mechanism = Frames.readCString(body);
        byte[] data = Frames.readNullableBytes(body);
        Frames.requireEnd(body, "SASLInitialResponse");
        return new SASLInitialResponse(mechanism, data);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.SASL_INITIAL_RESPONSE);
        Frames.writeCString(out, mechanism);
        Frames.writeNullableBytes(out, data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SASLInitialResponse other && mechanism.equals(other.mechanism)
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * mechanism.hashCode() + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SASLInitialResponse[mechanism=" + mechanism + ", data=" + ByteArrays.redacted(data) + "]";
    }
}
