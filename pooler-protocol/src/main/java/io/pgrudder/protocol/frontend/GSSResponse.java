package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** GSSResponse ('p'): a GSSAPI or SSPI token. */
public record GSSResponse(byte[] data) implements FrontendMessage {
    public GSSResponse {
        Objects.requireNonNull(data, "data");
    }

    public static GSSResponse decode(ByteBuf body) {
        return new GSSResponse(Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.GSS_RESPONSE);
        out.writeBytes(data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GSSResponse other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "GSSResponse[data=" + ByteArrays.redacted(data) + "]";
    }
}
