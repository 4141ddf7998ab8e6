package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;

/** A client-to-server message. Not sealed: CopyData/CopyDone live in this package, the rest in {@code frontend}. */
public interface FrontendMessage {
    /** Writes the whole message: type byte (none for startup packets), int32 length, body. */
    void encode(ByteBuf out);
}
