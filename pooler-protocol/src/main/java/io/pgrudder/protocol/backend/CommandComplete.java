package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/** CommandComplete ('C'): the command tag, e.g. {@code SELECT 1} or {@code INSERT 0 5}. */
public record CommandComplete(String tag) implements BackendMessage {
    public CommandComplete {
        Objects.requireNonNull(tag, "tag");
    }

    public static CommandComplete decode(ByteBuf body) {
        String tag = Frames.readCString(body);
        Frames.requireEnd(body, "CommandComplete");
        return new CommandComplete(tag);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.COMMAND_COMPLETE);
        Frames.writeCString(out, tag);
        Frames.endMessage(out, start);
    }
}
