package io.pgrudder.core.stats;

/**
 * Events the metrics exporter turns into histograms and counters. Core only reports them; the
 * server module decides how they are kept. Called from event loops: must not block.
 */
public interface Observer {
    Observer NONE = new Observer() {
    };

    default void checkoutWaited(long nanos) {
    }

    default void queryDone(long nanos) {
    }

    /** An ErrorResponse went to a client (relayed from a server, or pgrudder's own). */
    default void error(String sqlState) {
    }

    default void clientOpened() {
    }

    default void clientClosed() {
    }
}
