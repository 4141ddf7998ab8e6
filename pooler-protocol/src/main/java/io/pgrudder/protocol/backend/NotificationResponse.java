package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/** NotificationResponse ('A'): a NOTIFY on {@code channel} from backend {@code processId}. */
public record NotificationResponse(int processId, String channel, String payload) implements BackendMessage {
    public NotificationResponse {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(payload, "payload");
    }

    public static NotificationResponse decode(ByteBuf body) {
        int processId = Frames.readInt32(body);
        String channel = Frames.readCString(body);
        String payload = Frames.readCString(body);
        Frames.requireEnd(body, "NotificationResponse");
        return new NotificationResponse(processId, channel, payload);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.NOTIFICATION_RESPONSE);
        out.writeInt(processId);
        Frames.writeCString(out, channel);
        Frames.writeCString(out, payload);
        Frames.endMessage(out, start);
    }
}
