package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** EmptyQueryResponse ('I'): the query string was empty. */
public final class EmptyQueryResponse implements BackendMessage {
    public static final EmptyQueryResponse INSTANCE = new EmptyQueryResponse();

    private EmptyQueryResponse() {
    }

    public static EmptyQueryResponse decode(ByteBuf body) {
        Frames.requireEnd(body, "EmptyQueryResponse");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.EMPTY_QUERY_RESPONSE);
    }

    @Override
    public String toString() {
        return "EmptyQueryResponse";
    }
}
