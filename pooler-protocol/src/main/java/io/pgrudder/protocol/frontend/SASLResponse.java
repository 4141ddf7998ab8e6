package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** SASLResponse ('p'): a SASL message after the first one (SCRAM client-final-message). */
public record SASLResponse(byte[] data) implements FrontendMessage {
    public SASLResponse {
        Objects.requireNonNull(data, "data");
    }

    public static SASLResponse decode(ByteBuf body) {
        return new SASLResponse(Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.SASL_RESPONSE);
        out.writeBytes(data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SASLResponse other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SASLResponse[data=" + ByteArrays.redacted(data) + "]";
    }
}
