package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** AuthenticationKerberosV5 (R, code 2): no longer supported by PostgreSQL, decoded so it can be refused clearly. */
public final class AuthenticationKerberosV5 implements Authentication {
    public static final AuthenticationKerberosV5 INSTANCE = new AuthenticationKerberosV5();

    private AuthenticationKerberosV5() {
    }

    public static AuthenticationKerberosV5 decode(ByteBuf body) {
        Authentication.readCode(body, KERBEROS_V5, "AuthenticationKerberosV5");
        Frames.requireEnd(body, "AuthenticationKerberosV5");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(KERBEROS_V5);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "AuthenticationKerberosV5";
    }
}
