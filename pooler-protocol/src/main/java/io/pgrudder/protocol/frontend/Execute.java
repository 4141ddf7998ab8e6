package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/** Execute ('E'): run a portal; {@code maxRows} 0 means no limit. */
public record Execute(String portal, int maxRows) implements FrontendMessage {
    public Execute {
        Objects.requireNonNull(portal, "portal");
    }

    public static Execute decode(ByteBuf body) {
        String portal = Frames.readCString(body);
        int maxRows = Frames.readInt32(body);
        Frames.requireEnd(body, "Execute");
        return new Execute(portal, maxRows);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.EXECUTE);
        Frames.writeCString(out, portal);
        out.writeInt(maxRows);
        Frames.endMessage(out, start);
    }
}
