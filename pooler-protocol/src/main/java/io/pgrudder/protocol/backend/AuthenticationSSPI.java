package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** AuthenticationSSPI (R, code 9). */
public final class AuthenticationSSPI implements Authentication {
    public static final AuthenticationSSPI INSTANCE = new AuthenticationSSPI();

    private AuthenticationSSPI() {
    }

    public static AuthenticationSSPI decode(ByteBuf body) {
        Authentication.readCode(body, SSPI, "AuthenticationSSPI");
        Frames.requireEnd(body, "AuthenticationSSPI");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(SSPI);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "AuthenticationSSPI";
    }
}
