package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** ParseComplete ('1'). */
public final class ParseComplete implements BackendMessage {
    public static final ParseComplete INSTANCE = new ParseComplete();

    private ParseComplete() {
    }

    public static ParseComplete decode(ByteBuf body) {
        Frames.requireEnd(body, "ParseComplete");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.PARSE_COMPLETE);
    }

    @Override
    public String toString() {
        return "ParseComplete";
    }
}
