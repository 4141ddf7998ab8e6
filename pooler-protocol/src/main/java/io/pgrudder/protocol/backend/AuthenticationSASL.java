package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.ArrayList;
import java.util.List;

/** AuthenticationSASL (R, code 10): the SASL mechanisms the server offers, in its order of preference. */
public record AuthenticationSASL(List<String> mechanisms) implements Authentication {
    public AuthenticationSASL {
        mechanisms = List.copyOf(mechanisms);
        if (mechanisms.contains("")) {
            throw new IllegalArgumentException("an empty mechanism name would end the list on the wire");
        }
    }

    public static AuthenticationSASL decode(ByteBuf body) {
        Authentication.readCode(body, Authentication.SASL, "AuthenticationSASL");
        List<String> mechanisms = new ArrayList<>();
        for (String m = Frames.readCString(body); !m.isEmpty(); m = Frames.readCString(body)) {
            mechanisms.add(m);
        }
        Frames.requireEnd(body, "AuthenticationSASL");
        return new AuthenticationSASL(mechanisms);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.AUTHENTICATION_REQUEST);
        out.writeInt(Authentication.SASL);
        for (String m : mechanisms) {
            Frames.writeCString(out, m);
        }
        out.writeByte(0);
        Frames.endMessage(out, start);
    }
}
