package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgrudder.protocol.PgException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClientErrorsTest {

    /** Records every buffer it hands out, so a test can see each was released. */
    private static final class RecordingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> made = new ArrayList<>();

        RecordingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = Unpooled.buffer(initialCapacity, maxCapacity);
            made.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = Unpooled.directBuffer(initialCapacity, maxCapacity);
            made.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    /**
     * Found by the protocol fuzz: a message that cannot be encoded (a NUL from a raw type byte)
     * used to leave its half-written buffer unreleased.
     */
    @Test
    void aMessageThatCannotBeEncodedLeavesNoBufferBehind() {
        RecordingAllocator alloc = new RecordingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        PgException unencodable = PgException.protocolViolation("message type '\0'");
        assertThrows(IllegalArgumentException.class, () -> ClientErrors.encode(channel, unencodable));
        assertFalse(alloc.made.isEmpty());
        for (ByteBuf b : alloc.made) {
            assertEquals(0, b.refCnt(), "released when encoding failed");
        }
        assertFalse(channel.finish());
    }
}
