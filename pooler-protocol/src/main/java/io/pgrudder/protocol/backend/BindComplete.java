package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** BindComplete ('2'). */
public final class BindComplete implements BackendMessage {
    public static final BindComplete INSTANCE = new BindComplete();

    private BindComplete() {
    }

    public static BindComplete decode(ByteBuf body) {
        Frames.requireEnd(body, "BindComplete");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.BIND_COMPLETE);
    }

    @Override
    public String toString() {
        return "BindComplete";
    }
}
