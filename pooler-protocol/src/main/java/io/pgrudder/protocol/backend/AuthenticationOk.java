package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** AuthenticationOk (R, code 0): authentication succeeded. */
public final class AuthenticationOk implements Authentication {
    public static final AuthenticationOk INSTANCE = new AuthenticationOk();

    private AuthenticationOk() {
    }

    public static AuthenticationOk decode(ByteBuf body) {
        Authentication.readCode(body, OK, "AuthenticationOk");
        Frames.requireEnd(body, "AuthenticationOk");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(OK);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "AuthenticationOk";
    }
}
