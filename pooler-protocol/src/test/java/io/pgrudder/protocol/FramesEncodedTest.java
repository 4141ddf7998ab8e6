package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.frontend.Query;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Frames#encoded}: one message in a buffer of its own, and no buffer left behind when encoding fails. */
class FramesEncodedTest {
    @Test
    void aMessageIsEncodedIntoANewBuffer() {
        ByteBuf out = Frames.encoded(ByteBufAllocator.DEFAULT, new ParameterStatus("a", "b")::encode);
        try {
            assertEquals("530000000861006200", ByteBufUtil.hexDump(out));
        } finally {
            out.release();
        }
    }

    @Test
    void theBufferIsReleasedWhenEncodingThrows() {
        AtomicReference<ByteBuf> seen = new AtomicReference<>();
        assertThrows(IllegalArgumentException.class, () -> Frames.encoded(ByteBufAllocator.DEFAULT, out -> {
            seen.set(out);
            new Query("SELECT 1\0").encode(out);
        }));
        assertEquals(0, seen.get().refCnt());
    }
}
