package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

/** Flush ('H'): asks the server to send what it has buffered. */
public final class Flush implements FrontendMessage {
    public static final Flush INSTANCE = new Flush();

    private Flush() {
    }

    public static Flush decode(ByteBuf body) {
        Frames.requireEnd(body, "Flush");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.FLUSH);
    }

    @Override
    public String toString() {
        return "Flush";
    }
}
