package io.pgrudder.core.backend;

/**
 * The life of one server (PostgreSQL) connection. It changes only through
 * the owning pool's {@code transition}, which also moves it between the pool's lists.
 */
public enum ServerState {
    /** TCP connect in progress. */
    CONNECTING,
    /** Startup packet sent, authentication and parameter exchange in progress. */
    AUTHENTICATING,
    /** In the pool, owned by nobody. */
    IDLE,
    /** Checked out by a client. */
    ACTIVE,
    /** Being cleaned (ROLLBACK / DISCARD ALL) before it goes back to the pool. */
    RESETTING,
    /** Terminate sent or channel closing; never handed out again. */
    CLOSING,
    /** Channel closed. */
    CLOSED;

    public boolean isUsable() {
        return this == IDLE || this == ACTIVE || this == RESETTING;
    }
}
