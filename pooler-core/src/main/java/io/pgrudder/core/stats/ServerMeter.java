package io.pgrudder.core.stats;

import io.pgrudder.core.backend.ServerConnection;

import java.util.concurrent.atomic.LongAdder;

/**
 * What went through one server connection (SHOW SERVERS, pgcat_servers_*), for the (pool, user)
 * whose clients used it. When the connection closes its counts are folded into its address's
 * totals ({@link Stats#addressTotals}), so per-server series never go backwards.
 */
public final class ServerMeter {
    private final ServerConnection server;
    private final PoolCounters pool;
    final LongAdder transactions = new LongAdder();
    final LongAdder queries = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    /** Microseconds, added where the pool's own totals are (once per request / transaction / checkout). */
    final LongAdder queryTimeMicros = new LongAdder();
    final LongAdder xactTimeMicros = new LongAdder();
    final LongAdder waitTimeMicros = new LongAdder();

    ServerMeter(ServerConnection server, PoolCounters pool) {
        this.server = server;
        this.pool = pool;
    }

    /** The (pool, user) whose clients this connection served. */
    public PoolCounters pool() {
        return pool;
    }

    /** Its counts in SHOW STATS' shape (times in microseconds). */
    public PoolCounters.Totals totals() {
        return new PoolCounters.Totals(transactions.sum(), queries.sum(), bytesReceived.sum(), bytesSent.sum(),
                xactTimeMicros.sum(), queryTimeMicros.sum(), waitTimeMicros.sum(), errors.sum());
    }

    public ServerConnection server() {
        return server;
    }

    public long transactionCount() {
        return transactions.sum();
    }

    public long queryCount() {
        return queries.sum();
    }

    public long errorCount() {
        return errors.sum();
    }

    /** Bytes pgrudder sent to this server. */
    public long bytesSent() {
        return bytesSent.sum();
    }

    /** Bytes pgrudder received from this server. */
    public long bytesReceived() {
        return bytesReceived.sum();
    }
}
