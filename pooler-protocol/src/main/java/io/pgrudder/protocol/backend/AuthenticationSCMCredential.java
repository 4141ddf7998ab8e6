package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** AuthenticationSCMCredential (R, code 6): Unix-socket peer credentials. */
public final class AuthenticationSCMCredential implements Authentication {
    public static final AuthenticationSCMCredential INSTANCE = new AuthenticationSCMCredential();

    private AuthenticationSCMCredential() {
    }

    public static AuthenticationSCMCredential decode(ByteBuf body) {
        Authentication.readCode(body, SCM_CREDENTIAL, "AuthenticationSCMCredential");
        Frames.requireEnd(body, "AuthenticationSCMCredential");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(SCM_CREDENTIAL);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "AuthenticationSCMCredential";
    }
}
