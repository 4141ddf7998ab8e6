package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** NoData ('n'): the described statement or portal returns no rows. */
public final class NoData implements BackendMessage {
    public static final NoData INSTANCE = new NoData();

    private NoData() {
    }

    public static NoData decode(ByteBuf body) {
        Frames.requireEnd(body, "NoData");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.NO_DATA);
    }

    @Override
    public String toString() {
        return "NoData";
    }
}
