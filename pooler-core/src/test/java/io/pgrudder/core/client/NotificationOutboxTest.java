package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.notify.NotificationHub;
import io.pgrudder.core.routing.FixedServer;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.NotificationResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** One client's side of the fan-out: what it listens on, its backpressure and its bound. */
class NotificationOutboxTest {
    private static final int BOUND = 120; // two of the 53-byte notifications below fit, three do not
    private EmbeddedChannel client;
    private NotificationOutbox outbox;

    @BeforeEach
    void start() {
        client = new EmbeddedChannel();
        NotificationHub hub = new NotificationHub("test", new FixedServer(new ServerAddress("127.0.0.1", 5432, Role.PRIMARY)),
                null, client.eventLoop(), address -> null);
        outbox = new NotificationOutbox(hub, BOUND);
        client.pipeline().addLast(outbox);
        outbox.listened("ch");
    }

    @AfterEach
    void stop() {
        client.finishAndReleaseAll();
    }

    private static ByteBuf notification(String channel, String payload) {
        return Frames.encoded(Unpooled.buffer().alloc(), new NotificationResponse(42, channel, payload)::encode);
    }

    private NotificationResponse written() {
        ByteBuf frame = client.readOutbound();
        if (frame == null) {
            return null;
        }
        try {
            assertEquals(MessageType.NOTIFICATION_RESPONSE, Frames.type(frame));
            return NotificationResponse.decode(Frames.body(frame));
        } finally {
            frame.release();
        }
    }

    private void writable(boolean writable) {
        client.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        client.runPendingTasks();
    }

    @Test
    void aWritableClientGetsItsNotificationsUnchangedAndOnlyOnItsChannels() {
        ByteBuf other = notification("other", "not yours");
        outbox.notifications(List.of(notification("ch", "one"), other, notification("ch", "two")));
        assertEquals(new NotificationResponse(42, "ch", "one"), written());
        assertEquals(new NotificationResponse(42, "ch", "two"), written());
        assertNull(written());
        assertEquals(0, other.refCnt(), "dropped, and released");
        outbox.unlistened("ch");
        outbox.notifications(List.of(notification("ch", "after UNLISTEN")));
        assertNull(written(), "the client was answered UNLISTEN: nothing more on it");
    }

    @Test
    void whileTheClientDoesNotReadNotificationsWaitThenGoInOrder() {
        writable(false);
        outbox.notifications(List.of(notification("ch", "1"), notification("ch", "2")));
        assertNull(written());
        writable(true);
        assertEquals("1", written().payload());
        assertEquals("2", written().payload());
        assertNull(written());
    }

    @Test
    void pastTheBoundTheClientIsClosedWithAFatalErrorAndNothingIsKept() {
        writable(false);
        ByteBuf first = notification("ch", "x".repeat(40));
        ByteBuf second = notification("ch", "y".repeat(40));
        ByteBuf third = notification("ch", "z".repeat(40));
        outbox.notifications(List.of(first, second));
        assertEquals(1, first.refCnt(), "under the bound: kept");
        outbox.notifications(List.of(third));
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertEquals(0, third.refCnt());
        ByteBuf error = client.readOutbound();
        try {
            assertEquals(MessageType.ERROR_RESPONSE, Frames.type(error));
            ErrorResponse e = ErrorResponse.decode(Frames.body(error));
            assertEquals("FATAL", e.severity());
            assertEquals("54000", e.sqlState());
        } finally {
            error.release();
        }
        client.runPendingTasks();
        assertFalse(client.isActive(), "closed once the error is written");
        ByteBuf late = notification("ch", "late");
        outbox.notifications(List.of(late));
        assertEquals(0, late.refCnt());
    }
}
