package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

import java.util.ArrayList;
import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): the newest minor version the server supports for the requested
 * major version, and the {@code _pq_.} options it did not recognise.
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions)
        implements BackendMessage {
    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    public static NegotiateProtocolVersion decode(ByteBuf body) {
        int minor = Frames.readInt32(body);
        int count = Frames.readInt32(body);
        if (count < 0) {
            throw PgException.protocolViolation("invalid option count " + count);
        }
        Frames.need(body, count); // each option takes at least its NUL
        List<String> options = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            options.add(Frames.readCString(body));
        }
        Frames.requireEnd(body, "NegotiateProtocolVersion");
        return new NegotiateProtocolVersion(minor, options);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt(newestMinorVersion);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            Frames.writeCString(out, option);
        }
        Frames.endMessage(out, start);
    }
}
