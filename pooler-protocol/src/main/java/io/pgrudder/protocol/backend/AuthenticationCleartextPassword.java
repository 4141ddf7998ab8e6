package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** AuthenticationCleartextPassword (R, code 3). */
public final class AuthenticationCleartextPassword implements Authentication {
    public static final AuthenticationCleartextPassword INSTANCE = new AuthenticationCleartextPassword();

    private AuthenticationCleartextPassword() {
    }

    public static AuthenticationCleartextPassword decode(ByteBuf body) {
        Authentication.readCode(body, CLEARTEXT_PASSWORD, "AuthenticationCleartextPassword");
        Frames.requireEnd(body, "AuthenticationCleartextPassword");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(CLEARTEXT_PASSWORD);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "AuthenticationCleartextPassword";
    }
}
