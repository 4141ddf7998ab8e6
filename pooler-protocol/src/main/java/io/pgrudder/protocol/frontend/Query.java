package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.Objects;

/** Query ('Q'): a simple-protocol query string, possibly several statements. */
public record Query(String sql) implements FrontendMessage {
    public Query {
        Objects.requireNonNull(sql, "sql");
    }

    public static Query decode(ByteBuf body) {
        String sql = Frames.readCString(body);
        Frames.requireEnd(body, "Query");
        return new Query(sql);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.QUERY);
        Frames.writeCString(out, sql);
        Frames.endMessage(out, start);
    }
}
