package io.pgrudder.core.client;

/** The life of one client connection (PgBouncer's and pgcat's words where they have one). */
public enum ClientState {
    /** Reading the startup packet (SSL, GSSENC, cancel or StartupMessage). */
    STARTUP,
    /** Password exchange in progress. */
    AUTHENTICATING,
    /** Waiting for a server connection from the pool. */
    WAITING,
    /** Holding a server connection. */
    ACTIVE,
    /** Logged in, holding no server connection (transaction mode between transactions). */
    IDLE,
    /** Gone. */
    CLOSED
}
