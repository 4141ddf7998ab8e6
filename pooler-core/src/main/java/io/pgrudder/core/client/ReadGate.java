package io.pgrudder.core.client;

import io.netty.channel.Channel;

/**
 * Why a client's channel is not read now. It is read only while there is no reason not to, so
 * one reason going away (a server attached) cannot undo another (the client not reading its
 * replies). Auto-read changes only when the answer changes: each change is a system call.
 * Confined to the client's event loop.
 */
public final class ReadGate {
    /** A request waits for a server connection: what follows it waits in the socket. */
    public static final int WAITING_FOR_SERVER = 1;
    /** The server connection cannot take more: PostgreSQL is not reading. */
    public static final int SERVER_FULL = 1 << 1;
    /**
     * The client does not read its replies: read no more requests, as PostgreSQL stops reading
     * while its writes block. Replies the pooler makes itself are bounded by this too.
     */
    public static final int CLIENT_FULL = 1 << 2;
    /** A request is being answered, one at a time (the admin console's commands). */
    public static final int ANSWERING = 1 << 3;
    /** A LISTEN the pooler answers waits for its channel to be listened on (ListenCommands). */
    public static final int CONFIRMING_LISTEN = 1 << 4;

    private final Channel channel;
    private int reasons;

    public ReadGate(Channel channel) {
        this.channel = channel;
    }

    public void block(int reason) {
        set(reasons | reason);
    }

    public void unblock(int reason) {
        set(reasons & ~reason);
    }

    public void blockWhen(boolean condition, int reason) {
        set(condition ? reasons | reason : reasons & ~reason);
    }

    public boolean isOpen() {
        return reasons == 0;
    }

    private void set(int next) {
        boolean wasOpen = reasons == 0;
        reasons = next;
        if (wasOpen != (next == 0)) {
            channel.config().setAutoRead(next == 0);
        }
    }
}
