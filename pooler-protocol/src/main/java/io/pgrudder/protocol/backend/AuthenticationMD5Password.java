package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Arrays;
import java.util.Objects;

/** AuthenticationMD5Password (R, code 5): the 4-byte salt for the md5 password hash. */
public record AuthenticationMD5Password(byte[] salt) implements Authentication {
    public static final int SALT_LENGTH = 4;

    public AuthenticationMD5Password {
        Objects.requireNonNull(salt, "salt");
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("MD5 salt must be 4 bytes, not " + salt.length);
        }
    }

    public static AuthenticationMD5Password decode(ByteBuf body) {
        Authentication.readCode(body, Authentication.MD5_PASSWORD, "AuthenticationMD5Password");
        byte[] salt = Frames.readBytes(body, SALT_LENGTH);
        Frames.requireEnd(body, "AuthenticationMD5Password");
        return new AuthenticationMD5Password(salt);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(Authentication.MD5_PASSWORD);
        out.writeBytes(salt);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthenticationMD5Password other && Arrays.equals(salt, other.salt);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "AuthenticationMD5Password[salt=" + ByteArrays.toString(salt) + "]";
    }
}
