package io.pgrudder.core.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One reason going away must not undo another, and auto-read changes only when the answer does. */
class ReadGateTest {

    /** Counts reads the channel asks for: auto-read switched on asks for one. */
    private static final class Reads extends ChannelOutboundHandlerAdapter {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public void read(ChannelHandlerContext ctx) {
            reads.incrementAndGet();
            ctx.read();
        }
    }

    @Test
    void readsOnlyWhileNoReasonHolds() {
        Reads reads = new Reads();
        EmbeddedChannel channel = new EmbeddedChannel(reads);
        ReadGate gate = new ReadGate(channel);
        assertTrue(channel.config().isAutoRead());

        gate.block(ReadGate.WAITING_FOR_SERVER);
        assertFalse(channel.config().isAutoRead());
        gate.block(ReadGate.CLIENT_FULL);
        gate.unblock(ReadGate.WAITING_FOR_SERVER); // the server came; the client still does not read
        assertFalse(channel.config().isAutoRead(), "the client-full reason still holds");
        int before = reads.reads.get();
        gate.unblock(ReadGate.CLIENT_FULL);
        assertTrue(channel.config().isAutoRead());
        assertEquals(before + 1, reads.reads.get(), "reading starts again at once");
        channel.finishAndReleaseAll();
    }

    @Test
    void repeatedReasonsChangeNothing() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadGate gate = new ReadGate(channel);
        gate.unblock(ReadGate.SERVER_FULL); // not blocked: nothing to undo
        assertTrue(gate.isOpen());
        gate.blockWhen(true, ReadGate.SERVER_FULL);
        gate.blockWhen(true, ReadGate.SERVER_FULL);
        assertFalse(channel.config().isAutoRead());
        gate.blockWhen(false, ReadGate.SERVER_FULL);
        assertTrue(channel.config().isAutoRead());
        assertTrue(gate.isOpen());
        channel.finishAndReleaseAll();
    }
}
