package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/** CopyFail ('f'): the client aborts COPY FROM STDIN with this error message. */
public record CopyFail(String message) implements FrontendMessage {
    public CopyFail {
        Objects.requireNonNull(message, "message");
    }

    public static CopyFail decode(ByteBuf body) {
        String message = Frames.readCString(body);
        Frames.requireEnd(body, "CopyFail");
        return new CopyFail(message);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.COPY_FAIL);
        Frames.writeCString(out, message);
        Frames.endMessage(out, start);
    }
}
