package io.pgrudder.core.topology;

/** How a topology source's watch of Patroni's DCS (etcd) stands. */
public enum DcsWatch {
    /** No watch configured: REST polling alone. */
    OFF,
    /** Connecting, before the first watch was established. */
    CONNECTING,
    /** Watching: key changes arrive as they happen, and REST is polled at the watch interval. */
    LIVE,
    /** The DCS cannot be reached or refused the watch: REST polling at the normal interval, retrying. */
    DOWN
}
