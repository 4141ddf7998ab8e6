package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

/** Sync ('S'): ends an extended-query batch; the server answers ReadyForQuery. */
public final class Sync implements FrontendMessage {
    public static final Sync INSTANCE = new Sync();

    private Sync() {
    }

    public static Sync decode(ByteBuf body) {
        Frames.requireEnd(body, "Sync");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.SYNC);
    }

    @Override
    public String toString() {
        return "Sync";
    }
}
