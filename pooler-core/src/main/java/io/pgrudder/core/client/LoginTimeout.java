package io.pgrudder.core.client;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code client_login_timeout}: a client that is not authenticated this long after it connected
 * is closed. Like PostgreSQL on authentication_timeout, it is closed without a message: the peer
 * may not even speak the protocol. One timer per connection on its own event loop, cancelled when
 * the client is authenticated and when the connection closes.
 */
public final class LoginTimeout {
    private static final Logger log = LoggerFactory.getLogger(LoginTimeout.class);
    private static final AttributeKey<Future<?>> TIMER = AttributeKey.valueOf(LoginTimeout.class, "timer");

    private LoginTimeout() {
    }

    /**
     * Starts the timer of a new connection (on its event loop); zero means no limit. The timer is
     * kept as a channel attribute that is removed, not set to null, when it ends: an attribute left
     * in place would cost every logged-in client 48 bytes for good. ({@code getAndRemove} is
     * deprecated for attributes other threads may create at the same time; this one is only
     * touched on the channel's event loop.)
     */
    @SuppressWarnings("deprecation")
    public static void start(Channel channel, Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            return;
        }
        Future<?> timer = channel.eventLoop().schedule(() -> {
            if (channel.attr(TIMER).getAndRemove() != null) {
                log.info("client {} closed: not logged in within client_login_timeout ({} ms)",
                        channel.remoteAddress(), timeout.toMillis());
                channel.close();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        channel.attr(TIMER).set(timer);
        channel.closeFuture().addListener(f -> cancel(channel));
    }

    /** The client is authenticated (AuthenticationOk sent): it may stay. */
    public static void loggedIn(Channel channel) {
        cancel(channel);
    }

    @SuppressWarnings("deprecation")
    private static void cancel(Channel channel) {
        Future<?> timer = channel.attr(TIMER).getAndRemove();
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
