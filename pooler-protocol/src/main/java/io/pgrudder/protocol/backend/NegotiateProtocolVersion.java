package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

import java.util.ArrayList;
import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): the newest protocol version the server supports for the major
 * version the client asked for, as a whole Int32 version ({@code 0x00030000} for 3.0, as PostgreSQL's
 * SendNegotiateProtocolVersion writes it; a client reads 0 as version 0.0 and gives up), and the
 * {@code _pq_.} options it did not recognise.
 */
public record NegotiateProtocolVersion(int newestVersion, List<String> unrecognizedOptions)
        implements BackendMessage {
    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    public static NegotiateProtocolVersion decode(ByteBuf body) {
        int version = Frames.readInt32(body);
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
        return new NegotiateProtocolVersion(version, options);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt(newestVersion);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            Frames.writeCString(out, option);
        }
        Frames.endMessage(out, start);
    }
}
