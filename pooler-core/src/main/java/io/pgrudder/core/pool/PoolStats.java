package io.pgrudder.core.pool;

/** Counts of one pool at one moment. */
public record PoolStats(int idle, int active, int connecting, int waiting) {
}
