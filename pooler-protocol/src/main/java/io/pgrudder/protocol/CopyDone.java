package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;

/** CopyDone ('c'), both directions: the COPY stream is complete. */
public final class CopyDone implements FrontendMessage, BackendMessage {
    public static final CopyDone INSTANCE = new CopyDone();

    private CopyDone() {
    }

    public static CopyDone decode(ByteBuf body) {
        Frames.requireEnd(body, "CopyDone");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.COPY_DONE);
    }

    @Override
    public String toString() {
        return "CopyDone";
    }
}
