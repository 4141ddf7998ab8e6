package io.pgrudder.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.ErrorResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminReplyTest {

    @Test
    void aReplyThatCannotBeBuiltBecomesAnErrorAndReadyForQuery() {
        Object broken = new Object() {
            @Override
            public String toString() {
                throw new IllegalStateException("cannot render");
            }
        };
        ResultTable table = ResultTable.show().text("value");
        table.row(broken);
        ByteBuf out = AdminSessionHandler.replyBuffer(ByteBufAllocator.DEFAULT, List.of(table), null);
        try {
            assertEquals(MessageType.ERROR_RESPONSE, Frames.type(out));
            ErrorResponse error = ErrorResponse.decode(Frames.body(out));
            assertEquals("XX000", error.sqlState());
            assertTrue(error.message().contains("cannot render"), error.message());
            out.skipBytes(1 + out.getInt(out.readerIndex() + 1));
            assertEquals(MessageType.READY_FOR_QUERY, Frames.type(out));
        } finally {
            out.release();
        }
    }
}
