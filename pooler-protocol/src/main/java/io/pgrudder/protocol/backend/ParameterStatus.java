package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/** ParameterStatus ('S'): the current value of a run-time parameter the client should know about. */
public record ParameterStatus(String name, String value) implements BackendMessage {
    public ParameterStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    public static ParameterStatus decode(ByteBuf body) {
        String name = Frames.readCString(body);
        String value = Frames.readCString(body);
        Frames.requireEnd(body, "ParameterStatus");
        return new ParameterStatus(name, value);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.PARAMETER_STATUS);
        Frames.writeCString(out, name);
        Frames.writeCString(out, value);
        Frames.endMessage(out, start);
    }
}
