package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

/** PortalSuspended ('s'): Execute reached its row limit. */
public final class PortalSuspended implements BackendMessage {
    public static final PortalSuspended INSTANCE = new PortalSuspended();

    private PortalSuspended() {
    }

    public static PortalSuspended decode(ByteBuf body) {
        Frames.requireEnd(body, "PortalSuspended");
        return INSTANCE;
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.writeEmptyMessage(out, MessageType.PORTAL_SUSPENDED);
    }

    @Override
    public String toString() {
        return "PortalSuspended";
    }
}
