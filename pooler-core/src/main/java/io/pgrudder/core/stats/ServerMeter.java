package io.pgrudder.core.stats;

import io.pgrudder.core.backend.ServerConnection;

import java.util.concurrent.atomic.LongAdder;

/** What went through one server connection (SHOW SERVERS, pgcat_servers_*). */
public final class ServerMeter {
    private final ServerConnection server;
    final LongAdder transactions = new LongAdder();
    final LongAdder queries = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();

    ServerMeter(ServerConnection server) {
        this.server = server;
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
