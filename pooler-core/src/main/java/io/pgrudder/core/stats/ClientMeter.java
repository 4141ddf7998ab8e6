package io.pgrudder.core.stats;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One logged-in client as SHOW CLIENTS sees it, and the place its traffic is counted. The session
 * handler calls it from the client's event loop only (single writer); other threads read the
 * volatile fields. It also knows whether the client sits between transactions, which is what a
 * drain waits for before it closes the connection.
 */
public final class ClientMeter {
    private static final AtomicLong IDS = new AtomicLong();

    /** SHOW CLIENTS' state column. */
    public enum State { IDLE, WAITING, ACTIVE }

    /** A long COPY or a large result still shows in the byte counters while it runs. */
    private static final long COUNT_AT_LEAST_EVERY_BYTES = 1 << 20;

    private final long id = IDS.incrementAndGet();
    private final Stats stats;
    private final Channel channel;
    private final PoolCounters pool;
    private final String applicationName;
    private final long connectedMillis = System.currentTimeMillis();
    private final long connectedNanos = System.nanoTime();
    /** Start times of the requests the server still owes a ReadyForQuery, in order. */
    private final StartTimes requests = new StartTimes();

    private volatile State state = State.IDLE;
    private volatile long waitStartNanos = connectedNanos;
    private volatile long transactions;
    private volatile long queries;
    private volatile long errors;
    private volatile long idleSinceNanos = connectedNanos;
    /** Why the client keeps its server between transactions (metric names), and the same as SHOW CLIENTS says it. */
    private volatile java.util.Set<String> pinReasons = java.util.Set.of();
    private volatile String pinned = "";
    private ServerMeter server;
    /**
     * Bytes relayed and not yet added to the pool's and the server's counters: they are added once
     * per request (at ReadyForQuery), not per message, as each add is an atomic write to a counter
     * other threads share.
     */
    private long sentPending;
    private long receivedPending;
    private boolean extendedOpen;
    private boolean inTransaction;
    private long transactionStartNanos;

    ClientMeter(Stats stats, Channel channel, PoolCounters pool, String applicationName) {
        this.stats = stats;
        this.channel = channel;
        this.pool = pool;
        this.applicationName = applicationName == null ? "" : applicationName;
    }

    // ---- called by the session handler on the client's loop ----------------------------------

    /** The client asked its pool for a server connection. */
    public void waiting() {
        waitStartNanos = System.nanoTime();
        state = State.WAITING;
    }

    /** The client got a server connection. */
    public void attached(ServerConnection s) {
        long waited = System.nanoTime() - waitStartNanos;
        pool.waitTimeMicros.add(PoolCounters.micros(waited));
        pool.assignments.add(1);
        stats.observer().checkoutWaited(waited);
        server = stats.server(s, pool);
        server.waitTimeMicros.add(PoolCounters.micros(waited));
        state = State.ACTIVE;
    }

    /** The session state that pins the client to its server changed (empty: not pinned). */
    public void pinned(java.util.Set<String> reasons, String label) {
        pinReasons = reasons;
        pinned = label;
    }

    public java.util.Set<String> pinReasons() {
        return pinReasons;
    }

    /** SHOW CLIENTS' pinned column: what pins the client, empty when nothing does. */
    public String pinned() {
        return pinned;
    }

    /** The client gave its server connection back (transaction mode, between transactions). */
    public void released() {
        countBytes();
        server = null;
        state = State.IDLE;
        // Idle from now: a login that waited for a server is not "idle since it connected", which
        // a drain would take for a client to close before its first query.
        idleSinceNanos = System.nanoTime();
    }

    /** A frame about to go from the client to its server. */
    public void toServer(ByteBuf frame) {
        sentPending += frame.readableBytes();
        if (sentPending >= COUNT_AT_LEAST_EVERY_BYTES) {
            countBytes(); // COPY FROM STDIN: nothing comes back until the end
        }
        byte type = Frames.type(frame);
        if (type == MessageType.QUERY || type == MessageType.SYNC || type == MessageType.FUNCTION_CALL) {
            long now = System.nanoTime();
            requests.add(now);
            extendedOpen = false;
            if (!inTransaction) {
                inTransaction = true;
                transactionStartNanos = now;
            }
        } else if (type != MessageType.TERMINATE && type != MessageType.COPY_DATA && type != MessageType.COPY_DONE
                && type != MessageType.COPY_FAIL) {
            extendedOpen = true;
            if (!inTransaction) {
                inTransaction = true;
                transactionStartNanos = System.nanoTime();
            }
        }
    }

    /** A frame from the server that goes on to the client. */
    public void toClient(ByteBuf frame) {
        receivedPending += frame.readableBytes();
        ServerMeter s = server;
        byte type = Frames.type(frame);
        if (type == MessageType.READY_FOR_QUERY || receivedPending + sentPending >= COUNT_AT_LEAST_EVERY_BYTES) {
            countBytes();
        }
        if (type == MessageType.READY_FOR_QUERY) {
            readyForQuery(frame.getByte(frame.readerIndex() + 5), s);
        } else if (type == MessageType.ERROR_RESPONSE) {
            String sqlState = ErrorResponse.decode(Frames.body(frame.duplicate())).sqlState();
            if (s != null) {
                s.errors.add(1);
            }
            error(sqlState);
        }
    }

    private void readyForQuery(byte status, ServerMeter s) {
        long now = System.nanoTime();
        if (!requests.isEmpty()) {
            long took = now - requests.poll();
            queries++;
            pool.queryCount.add(1);
            pool.queryTimeMicros.add(PoolCounters.micros(took));
            stats.observer().queryDone(took);
            if (s != null) {
                s.queries.add(1);
                s.queryTimeMicros.add(PoolCounters.micros(took));
            }
        }
        if (status == ReadyForQuery.IDLE && requests.isEmpty() && !extendedOpen && inTransaction) {
            inTransaction = false;
            transactions++;
            pool.xactCount.add(1);
            long xactMicros = PoolCounters.micros(now - transactionStartNanos);
            pool.xactTimeMicros.add(xactMicros);
            if (s != null) {
                s.transactions.add(1);
                s.xactTimeMicros.add(xactMicros);
            }
            idleSinceNanos = now;
        }
    }

    /** An error went to the client (pgrudder's own, or relayed). */
    public void error(String sqlState) {
        errors++;
        pool.errors.add(1);
        stats.observer().error(sqlState);
    }

    /** The client is gone. */
    public void closed() {
        countBytes();
        stats.unregister(this);
    }

    /** Adds the bytes relayed since the last time to the pool's and the server's counters. */
    private void countBytes() {
        ServerMeter s = server;
        if (sentPending != 0) {
            pool.sent.add(sentPending);
            if (s != null) {
                s.bytesSent.add(sentPending);
            }
            sentPending = 0;
        }
        if (receivedPending != 0) {
            pool.received.add(receivedPending);
            if (s != null) {
                s.bytesReceived.add(receivedPending);
            }
            receivedPending = 0;
        }
    }

    // ---- read from anywhere --------------------------------------------------------------------

    public long id() {
        return id;
    }

    public Channel channel() {
        return channel;
    }

    public PoolCounters pool() {
        return pool;
    }

    public String applicationName() {
        return applicationName;
    }

    public State state() {
        return state;
    }

    public long transactionCount() {
        return transactions;
    }

    public long queryCount() {
        return queries;
    }

    public long errorCount() {
        return errors;
    }

    public long connectedMillis() {
        return connectedMillis;
    }

    public long ageNanos() {
        return System.nanoTime() - connectedNanos;
    }

    /** How long it has waited for a server so far (0 when not waiting). */
    public long waitingNanos() {
        return state == State.WAITING ? System.nanoTime() - waitStartNanos : 0;
    }

    /**
     * On the client's loop: when the client has sat between transactions (nothing sent, nothing
     * owed, no transaction open, not waiting) for at least {@code idleNanos}, sends it FATAL
     * {@code 57P01} and closes it. Returns true when it did.
     */
    boolean terminateIfIdle(long idleNanos) {
        if (!channel.isActive() || state == State.WAITING || inTransaction || extendedOpen || !requests.isEmpty()) {
            return false;
        }
        if (System.nanoTime() - idleSinceNanos < idleNanos) {
            return false;
        }
        stats.terminate(channel, PgException.fatal(SqlState.ADMIN_SHUTDOWN,
                "terminating connection due to administrator command (pgrudder is shutting down; reconnect)"));
        return true;
    }
}
