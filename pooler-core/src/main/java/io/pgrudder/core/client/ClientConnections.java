package io.pgrudder.core.client;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code max_client_conn}: the client connections open at once, counted from accept to close like
 * PgBouncer does (admin console connections too, whatever they turn out to be). Connections are
 * accepted on several event loops, so the count is atomic.
 */
public final class ClientConnections {
    private final AtomicInteger open = new AtomicInteger();

    /**
     * Counts the connection until it closes, unless {@code max} are open already: then it is not
     * counted and the caller refuses it.
     */
    public boolean admit(Channel channel, int max) {
        while (true) {
            int n = open.get();
            if (n >= max) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                break;
            }
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    public int open() {
        return open.get();
    }
}
