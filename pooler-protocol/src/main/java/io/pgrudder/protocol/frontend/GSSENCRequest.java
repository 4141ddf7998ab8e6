package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;

/** GSSENCRequest: length 8, code 80877104 (1234.5680). The server answers a single 'G' or 'N'. */
public final class GSSENCRequest implements StartupPacket {
    public static final int CODE = 80877104;
    public static final GSSENCRequest INSTANCE = new GSSENCRequest();

    private GSSENCRequest() {
    }

    /** Decodes the bytes after the length: the code only. */
    public static GSSENCRequest decode(ByteBuf body) {
        if (Frames.readInt32(body) != CODE) {
            throw PgException.protocolViolation("not an GSSENCRequest");
        }
        Frames.requireEnd(body, "GSSENCRequest");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(CODE);
    }

    @Override
    public String toString() {
        return "GSSENCRequest";
    }
}
