package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

/** Terminate ('X'): the client is closing the connection. */
public final class Terminate implements FrontendMessage {
    public static final Terminate INSTANCE = new Terminate();

    private Terminate() {
    }

    public static Terminate decode(ByteBuf body) {
        Frames.requireEnd(body, "Terminate");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.TERMINATE);
    }

    @Override
    public String toString() {
        return "Terminate";
    }
}
