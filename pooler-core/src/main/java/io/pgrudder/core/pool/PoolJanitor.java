package io.pgrudder.core.pool;

import io.pgrudder.core.backend.ServerConnection;

import java.util.function.LongSupplier;

/**
 * A pool's once-a-second round: idle_timeout (down to min_pool_size), server_lifetime, dead or
 * no-longer-wanted idle connections, and min_pool_size kept warm. It decides; the pool closes
 * and opens. Confined to the pool's loop; time comes from {@code clock} (nanoseconds).
 */
final class PoolJanitor {
    /** What the janitor needs of its pool. */
    interface Owner {
        ServerLists lists();

        /** Connections counted against pool_size, being opened included. */
        int size();

        /** Open, still where the target points, never a standby for a primary's pool. */
        boolean usable(ServerConnection server);

        void close(ServerConnection server);

        /** Whether a new connection may be opened now (not closed, not retrying after a failure). */
        boolean mayOpen();

        /** Opens one connection with no client settings; false when no server is known. */
        boolean openSpare();
    }

    private final PoolSettings settings;
    private final Owner owner;
    private final LongSupplier clock;

    PoolJanitor(PoolSettings settings, Owner owner, LongSupplier clock) {
        this.settings = settings;
        this.owner = owner;
        this.clock = clock;
    }

    void round() {
        warm();
        long now = clock.getAsLong();
        long idleLimit = settings.idleTimeout().toNanos();
        // Counted down as they close: a closing connection still counts toward pool_size, but it
        // must not make the next idle one look surplus (every idle one closed, then warmed again).
        int staying = owner.size();
        for (ServerConnection server : owner.lists().idleInOrder(true)) {
            boolean tooIdle = idleLimit > 0 && now - server.lastUsedNanos() > idleLimit
                    && staying > settings.minPoolSize();
            if (tooIdle || expired(server) || !owner.usable(server)) {
                owner.close(server);
                staying--;
            }
        }
    }

    private void warm() {
        if (!owner.mayOpen()) {
            return;
        }
        while (owner.size() < settings.minPoolSize()) {
            if (!owner.openSpare()) {
                return;
            }
        }
    }

    /** Older than server_lifetime: closed when idle or given back, never handed out again. */
    boolean expired(ServerConnection server) {
        long lifetime = settings.serverLifetime().toNanos();
        return lifetime > 0 && clock.getAsLong() - server.createdNanos() > lifetime;
    }
}
