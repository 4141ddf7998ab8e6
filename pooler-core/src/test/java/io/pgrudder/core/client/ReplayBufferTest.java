package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Sync;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayBufferTest {

    private static ByteBuf frame(java.util.function.Consumer<ByteBuf> encoder) {
        return Frames.encoded(UnpooledByteBufAllocator.DEFAULT, encoder);
    }

    @Test
    void framesSentAfterTheFirstOnesAreReplayedWithThem() {
        ReplayBuffer replay = new ReplayBuffer();
        ByteBuf parse = frame(new Parse("", "SELECT 1", new int[0])::encode);
        ByteBuf bind = frame(new Bind("", "", new short[0], List.of(), new short[0])::encode);
        ByteBuf sync = frame(Sync.INSTANCE::encode);
        replay.keep(List.of(parse));
        replay.add(bind);
        replay.add(sync);
        assertTrue(replay.isArmed());
        List<ByteBuf> again = replay.take();
        assertEquals(3, again.size(), "Parse, Bind and Sync, not the Parse alone");
        assertFalse(replay.isArmed());
        again.forEach(ByteBuf::release);
        for (ByteBuf f : List.of(parse, bind, sync)) {
            assertEquals(1, f.refCnt());
            f.release();
        }
    }

    @Test
    void nothingIsKeptOnceTheServerAnsweredOrWhenNotArmed() {
        ReplayBuffer replay = new ReplayBuffer();
        ByteBuf parse = frame(new Parse("", "SELECT 1", new int[0])::encode);
        replay.keep(List.of(parse));
        ByteBuf answer = frame(new CommandComplete("SELECT 1")::encode);
        replay.seen(answer);
        answer.release();
        assertFalse(replay.isArmed());
        ByteBuf later = frame(Sync.INSTANCE::encode);
        replay.add(later);
        assertEquals(1, later.refCnt(), "no duplicate kept for a replay that cannot happen");
        assertEquals(1, parse.refCnt(), "the dropped copy was released");
        later.release();
        parse.release();
    }
}
