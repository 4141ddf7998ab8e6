package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

import java.util.Objects;

/** Close ('C'): close a prepared statement ('S') or portal ('P'). */
public record Close(byte kind, String name) implements FrontendMessage {
    public static final byte STATEMENT = 'S';
    public static final byte PORTAL = 'P';

    public Close {
        if (kind != STATEMENT && kind != PORTAL) {
            throw new IllegalArgumentException("kind must be 'S' or 'P', not " + Frames.describeType(kind));
        }
        Objects.requireNonNull(name, "name");
    }

    public static Close decode(ByteBuf body) {
        byte kind = Frames.readInt8(body);
        if (kind != STATEMENT && kind != PORTAL) {
            throw PgException.protocolViolation("invalid Close message subtype " + Frames.describeType(kind));
        }
        String name = Frames.readCString(body);
        Frames.requireEnd(body, "Close");
        return new Close(kind, name);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.CLOSE);
        out.writeByte(kind);
        Frames.writeCString(out, name);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "Close[kind=" + (char) kind + ", name=" + name + "]";
    }
}
