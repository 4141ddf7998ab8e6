package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** AuthenticationSASLFinal (R, code 12): SASL outcome data (SCRAM server-final-message). */
public record AuthenticationSASLFinal(byte[] data) implements Authentication {
    public AuthenticationSASLFinal {
        Objects.requireNonNull(data, "data");
    }

    public static AuthenticationSASLFinal decode(ByteBuf body) {
        Authentication.readCode(body, SASL_FINAL, "AuthenticationSASLFinal");
        return new AuthenticationSASLFinal(Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(SASL_FINAL);
        out.writeBytes(data);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationSASLFinal other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthenticationSASLFinal[data=" + ByteArrays.redacted(data) + "]";
    }
}
