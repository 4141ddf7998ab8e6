package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** AuthenticationSASLContinue (R, code 11): a SASL challenge (SCRAM server-first-message). */
public record AuthenticationSASLContinue(byte[] data) implements Authentication {
    public AuthenticationSASLContinue {
        Objects.requireNonNull(data, "data");
    }

    public static AuthenticationSASLContinue decode(ByteBuf body) {
        Authentication.readCode(body, SASL_CONTINUE, "AuthenticationSASLContinue");
        return new AuthenticationSASLContinue(Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(SASL_CONTINUE);
        out.writeBytes(data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationSASLContinue other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthenticationSASLContinue[data=" + ByteArrays.redacted(data) + "]";
    }
}
