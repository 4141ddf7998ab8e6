package io.pgrudder.core.client;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frozen time: EmbeddedChannel runs its scheduled tasks only when the test moves the clock. */
class LoginTimeoutTest {
    private static EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        return channel;
    }

    @Test
    void aClientNotLoggedInInTimeIsClosedWithoutAMessage() {
        EmbeddedChannel channel = channel();
        LoginTimeout.start(channel, Duration.ofSeconds(60));
        channel.advanceTimeBy(59_999, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
        assertNull(channel.readOutbound(), "closed silently, as PostgreSQL on authentication_timeout");
        assertFalse(channel.finish());
    }

    @Test
    void loggingInCancelsTheTimer() {
        EmbeddedChannel channel = channel();
        LoginTimeout.start(channel, Duration.ofSeconds(60));
        channel.advanceTimeBy(30, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        LoginTimeout.loggedIn(channel);
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        assertEquals(-1, channel.runScheduledPendingTasks(), "the timer is gone, not merely ignored");
        assertFalse(channel.hasAttr(io.netty.util.AttributeKey.valueOf(LoginTimeout.class, "timer")),
                "nothing of it stays on the logged-in client");
        assertFalse(channel.finish());
    }

    @Test
    void closingCancelsTheTimer() {
        EmbeddedChannel channel = channel();
        LoginTimeout.start(channel, Duration.ofSeconds(60));
        channel.close();
        assertEquals(-1, channel.runScheduledPendingTasks());
        assertFalse(channel.finish());
    }

    @Test
    void zeroDisablesIt() {
        EmbeddedChannel channel = channel();
        LoginTimeout.start(channel, Duration.ZERO);
        assertEquals(-1, channel.runScheduledPendingTasks());
        channel.advanceTimeBy(1, TimeUnit.DAYS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
    }
}
