package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** AuthenticationGSSContinue (R, code 8): a GSSAPI or SSPI token. */
public record AuthenticationGSSContinue(byte[] data) implements Authentication {
    public AuthenticationGSSContinue {
        Objects.requireNonNull(data, "data");
    }

    public static AuthenticationGSSContinue decode(ByteBuf body) {
        Authentication.readCode(body, GSS_CONTINUE, "AuthenticationGSSContinue");
        return new AuthenticationGSSContinue(Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(GSS_CONTINUE);
        out.writeBytes(data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationGSSContinue other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthenticationGSSContinue[data=" + ByteArrays.redacted(data) + "]";
    }
}
