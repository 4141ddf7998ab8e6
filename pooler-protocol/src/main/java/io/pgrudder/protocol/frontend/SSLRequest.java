package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;

/** SSLRequest: length 8, code 80877103 (1234.5679). The server answers a single 'S' or 'N'. */
public final class SSLRequest implements StartupPacket {
    public static final int CODE = 80877103;
    public static final SSLRequest INSTANCE = new SSLRequest();

    private SSLRequest() {
    }

    /** Decodes the bytes after the length: the code only. */
    public static SSLRequest decode(ByteBuf body) {
        if (Frames.readInt32(body) != CODE) {
            throw PgException.protocolViolation("not an SSLRequest");
        }
        Frames.requireEnd(body, "SSLRequest");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(CODE);
    }

    @Override
    public String toString() {
        return "SSLRequest";
    }
}
