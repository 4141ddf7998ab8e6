package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

import java.util.Objects;

/** Describe ('D'): ask for the description of a prepared statement ('S') or portal ('P'). */
public record Describe(byte kind, String name) implements FrontendMessage {
    public static final byte STATEMENT = 'S';
    public static final byte PORTAL = 'P';

    public Describe {
        if (kind != STATEMENT && kind != PORTAL) {
            throw new IllegalArgumentException("kind must be 'S' or 'P', not " + Frames.describeType(kind));
        }
        Objects.requireNonNull(name, "name");
    }

    public static Describe decode(ByteBuf body) {
        byte kind = Frames.readInt8(body);
        if (kind != STATEMENT && kind != PORTAL) {
            throw PgException.protocolViolation("invalid Describe message subtype " + Frames.describeType(kind));
        }
        String name = Frames.readCString(body);
        Frames.requireEnd(body, "Describe");
        return new Describe(kind, name);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.DESCRIBE);
        out.writeByte(kind);
        Frames.writeCString(out, name);
        Frames.endMessage(out, start);
    }

    @Override
    public String toString() {
        return "Describe[kind=" + (char) kind + ", name=" + name + "]";
    }
}
