package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * Whoever currently owns a server connection (a client session, or the reset routine) and so
 * receives what the server sends. Calls arrive on {@link #executor()}, in order.
 */
public interface ServerListener {
    /** The thread every callback runs on. */
    EventExecutor executor();

    /** One whole backend message; the listener owns it and must release it. */
    void serverFrame(ServerConnection server, ByteBuf frame);

    /** The end of one read batch from the server: flush what was written to the client. */
    void serverReadComplete(ServerConnection server);

    /** The server connection is gone (closed by the server, a network error, or by us). */
    void serverClosed(ServerConnection server, Throwable cause);

    /** The server's socket became (un)writable: pause or resume reading from the client. */
    default void serverWritabilityChanged(ServerConnection server, boolean writable) {
    }
}
