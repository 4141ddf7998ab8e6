package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.NoticeResponse;
import io.pgrudder.protocol.backend.NotificationResponse;
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

    @Test
    void aWarningBeforeTheFatalEndsTheReplay() {
        // A synchronous commit cut short by a shutdown: WARNING "already committed locally", then 57P01.
        ReplayBuffer replay = new ReplayBuffer();
        ByteBuf query = frame(new io.pgrudder.protocol.frontend.Query("INSERT INTO t VALUES (1)")::encode);
        replay.keep(List.of(query));
        ByteBuf warning = frame(NoticeResponse.of("WARNING", "01000", "canceling the wait for synchronous replication")::encode);
        replay.seen(warning);
        warning.release();
        assertFalse(replay.isArmed(), "the backend had started on the request");
        assertEquals(1, query.refCnt());
        query.release();
    }

    @Test
    void aNotificationFromAnotherSessionDoesNotEndTheReplay() {
        ReplayBuffer replay = new ReplayBuffer();
        ByteBuf query = frame(new io.pgrudder.protocol.frontend.Query("SELECT 1")::encode);
        replay.keep(List.of(query));
        ByteBuf notification = frame(new NotificationResponse(42, "ch", "")::encode);
        replay.seen(notification);
        notification.release();
        assertTrue(replay.isArmed());
        replay.drop();
        assertEquals(1, query.refCnt());
        query.release();
    }

    @Test
    void onlyAFatalShutdownOrCannotConnectNowSaysTheBackendRanNothing() {
        ReplayBuffer replay = new ReplayBuffer();
        assertTrue(goingAway(replay, ErrorResponse.of("FATAL", "57P01", "terminating connection due to administrator command")));
        assertTrue(goingAway(replay, ErrorResponse.of("FATAL", "57P03", "the database system is shutting down")));
        assertFalse(goingAway(replay, ErrorResponse.of("FATAL", "57P02", "terminating connection because of crash of another server process")),
                "a crash may be this request's doing: never sent again");
        assertFalse(goingAway(replay, ErrorResponse.of("ERROR", "57P01", "not fatal")));
        assertFalse(goingAway(replay, ErrorResponse.of("FATAL", "08006", "other")));
    }

    private static boolean goingAway(ReplayBuffer replay, ErrorResponse error) {
        ByteBuf f = frame(error::encode);
        try {
            return replay.isGoingAway(f);
        } finally {
            f.release();
        }
    }
}
