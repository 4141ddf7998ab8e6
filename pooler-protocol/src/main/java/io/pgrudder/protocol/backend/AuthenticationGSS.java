package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** AuthenticationGSS (R, code 7). */
public final class AuthenticationGSS implements Authentication {
    public static final AuthenticationGSS INSTANCE = new AuthenticationGSS();

    private AuthenticationGSS() {
    }

    public static AuthenticationGSS decode(ByteBuf body) {
        Authentication.readCode(body, GSS, "AuthenticationGSS");
        Frames.requireEnd(body, "AuthenticationGSS");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(GSS);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "AuthenticationGSS";
    }
}
