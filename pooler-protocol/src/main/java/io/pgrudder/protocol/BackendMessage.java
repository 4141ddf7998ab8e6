package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;

/** A server-to-client message. Not sealed: CopyData/CopyDone live in this package, the rest in {@code backend}. */
public interface BackendMessage {
    /** Writes the whole message: type byte, int32 length, body. */
    void encode(ByteBuf out);
}
