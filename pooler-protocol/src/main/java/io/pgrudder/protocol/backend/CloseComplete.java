package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** CloseComplete ('3'). */
public final class CloseComplete implements BackendMessage {
    public static final CloseComplete INSTANCE = new CloseComplete();

    private CloseComplete() {
    }

    public static CloseComplete decode(ByteBuf body) {
        Frames.requireEnd(body, "CloseComplete");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.CLOSE_COMPLETE);
    }

    @Override
    public String toString() {
        return "CloseComplete";
    }
}
