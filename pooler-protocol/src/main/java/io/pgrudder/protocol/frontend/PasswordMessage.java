package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/**
 * PasswordMessage ('p'): a cleartext or MD5-hashed password. The 'p' type byte is shared with
 * the SASL and GSS responses; only the authentication state tells them apart.
 */
public record PasswordMessage(String password) implements FrontendMessage {
    public PasswordMessage {
        Objects.requireNonNull(password, "password");
    }

    public static PasswordMessage decode(ByteBuf body) {
        String password = Frames.readCString(body);
        Frames.requireEnd(body, "PasswordMessage");
        return new PasswordMessage(password);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.PASSWORD_MESSAGE);
        Frames.writeCString(out, password);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "PasswordMessage[password=<redacted>]";
    }
}
