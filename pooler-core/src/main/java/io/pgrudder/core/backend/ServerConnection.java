package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.backend.ReadyForQuery;

import io.netty.util.concurrent.Future;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection from pgrudder to PostgreSQL. Its {@link ServerState} is written only by the
 * pool that owns it ({@code Pool#transition}); everything the server tells us about itself
 * (backend key, parameters) is kept here.
 */
public final class ServerConnection {
    private static final AtomicLong IDS = new AtomicLong();
    /** ParameterStatus a PostgreSQL 14+ server reports: "on" while it is a standby. */
    public static final String IN_HOT_STANDBY = "in_hot_standby";

    private final long id = IDS.incrementAndGet();
    private final Channel channel;
    private final ServerAddress address;
    private final Map<String, String> startupParameters;
    private final long createdNanos = System.nanoTime();

    private volatile ServerState state = ServerState.CONNECTING;
    private volatile Map<String, String> parameters = Map.of();
    private volatile long lastUsedNanos = createdNanos;
    private volatile byte transactionStatus = ReadyForQuery.IDLE;
    /** Settings pgrudder SET for a client (lower-case name to value); owned by whoever holds the connection. */
    private final Map<String, String> applied = new HashMap<>();
    private volatile Future<?> cancelInFlight;
    /** Its client's session state pins it to that client between transactions (written by the client). */
    private volatile boolean pinned;
    /** A request of its client is not answered yet (written by the client's session). */
    private volatile boolean answering;
    private Object syncedWith;
    private long syncedVersion;
    /** The pooler's prepared statements this session has. */
    private final ServerStatements statements = new ServerStatements();
    /** The server said it is a standby (in_hot_standby = on, or pg_is_in_recovery()); sticky. */
    private volatile boolean reportedHotStandby;
    /** Set when the login completes; from then on it receives every frame the server sends. */
    private volatile ServerRelayHandler relay;
    private volatile int processId;
    private byte[] secretKey = new byte[0];
    /** The TLS settings this connection was opened with. */
    private final ServerTls tls;
    /** The login completed a TLS handshake: everything on this connection is encrypted. */
    private volatile boolean encrypted;

    ServerConnection(Channel channel, ServerAddress address, Map<String, String> startupParameters) {
        this(channel, address, startupParameters, ServerTls.DISABLED);
    }

    ServerConnection(Channel channel, ServerAddress address, Map<String, String> startupParameters, ServerTls tls) {
        this.channel = channel;
        this.address = address;
        this.startupParameters = startupParameters;
        this.tls = tls;
        io.pgrudder.core.stats.Stats.serverConnectionOpened(channel);
    }

    public long id() {
        return id;
    }

    public Channel channel() {
        return channel;
    }

    public ServerAddress address() {
        return address;
    }

    /** The client startup parameters this connection was opened with (its session defaults). */
    public Map<String, String> startupParameters() {
        return startupParameters;
    }

    /** The TLS settings this connection was opened with (a cancel for it uses the same). */
    public ServerTls tls() {
        return tls;
    }

    /** True when this connection runs over TLS (the server said 'S' and the handshake passed). */
    public boolean encrypted() {
        return encrypted;
    }

    void encrypted(boolean encrypted) {
        this.encrypted = encrypted;
    }

    public ServerState state() {
        return state;
    }

    /** Only the owning pool calls this (its {@code transition}), from its own event loop. */
    public void setState(ServerState state) {
        this.state = state;
    }

    public int processId() {
        return processId;
    }

    public byte[] secretKey() {
        return secretKey.clone();
    }

    void backendKey(int processId, byte[] secretKey) {
        this.processId = processId;
        this.secretKey = secretKey.clone();
    }

    /** Parameters the server reported with ParameterStatus, as it has them now. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** Records a ParameterStatus; copy-on-write because it is rare and read from other threads. */
    public void parameter(String name, String value) {
        Map<String, String> next = new LinkedHashMap<>(parameters);
        next.put(name, value);
        parameters = Collections.unmodifiableMap(next);
        if (IN_HOT_STANDBY.equals(name) && "on".equals(value)) {
            reportedHotStandby = true;
        }
    }

    /**
     * True once the server said it is a standby: ParameterStatus {@code in_hot_standby = on}
     * (PostgreSQL 14+, also sent when a running server changes role) or, at login on older
     * servers, {@code pg_is_in_recovery()}. Sticky: such a connection never takes writes again,
     * even if its server is promoted later. The pool checks it at hand-out and at release; a
     * client holding the connection may check it too.
     */
    public boolean reportedHotStandby() {
        return reportedHotStandby;
    }

    void markHotStandby() {
        reportedHotStandby = true;
    }

    /**
     * Settings pgrudder SET on this session for the client that holds it, by lower-case name. Only
     * the holder touches it; a RESET ALL or DISCARD ALL clears it.
     */
    public Map<String, String> applied() {
        return applied;
    }

    /**
     * The pooler's prepared statements this session has (server-side names), in LRU order, and
     * which can be trusted; owned by whoever holds the connection.
     */
    public ServerStatements statements() {
        return statements;
    }

    /** The client settings this session was last made to match (see ParameterSync), or null. */
    public Object syncedWith() {
        return syncedWith;
    }

    public long syncedVersion() {
        return syncedVersion;
    }

    public void syncedWith(Object settings, long version) {
        this.syncedWith = settings;
        this.syncedVersion = version;
    }

    /**
     * The role (and with {@code authorizationToo} the session authorization, which also resets
     * the role) is back at the login's: RESET ROLE, SET SESSION AUTHORIZATION DEFAULT.
     */
    public void identityReset(boolean authorizationToo) {
        applied.remove("role");
        if (authorizationToo) {
            applied.remove("session_authorization");
        }
        syncedWith = null;
    }

    public boolean pinned() {
        return pinned;
    }

    public void pinned(boolean pinned) {
        this.pinned = pinned;
    }

    /** Every setting is back at the server's default (RESET ALL, DISCARD ALL). */
    public void clearApplied() {
        applied.clear();
        syncedWith = null;
    }

    /** A CancelRequest for this backend that has not been answered yet (null when none). */
    public Future<?> cancelInFlight() {
        return cancelInFlight;
    }

    public void cancelInFlight(Future<?> cancel) {
        this.cancelInFlight = cancel;
    }

    /**
     * A request its client sent is still owed its ReadyForQuery (or a COPY is open): a statement
     * runs even when the last ReadyForQuery said idle. What SWITCHOVER's drain waits for on a
     * connection that stays with its client between transactions (session mode, or pinned).
     */
    public boolean answering() {
        return answering;
    }

    /** Written by the client's session as it sends requests and reads ReadyForQuery; a write only on a change. */
    public void answering(boolean answering) {
        if (this.answering != answering) {
            this.answering = answering;
        }
    }

    /** Transaction status of the last ReadyForQuery ('I', 'T' or 'E'). */
    public byte transactionStatus() {
        return transactionStatus;
    }

    public void transactionStatus(byte status) {
        this.transactionStatus = status;
    }

    public long createdNanos() {
        return createdNanos;
    }

    public long lastUsedNanos() {
        return lastUsedNanos;
    }

    public void touch() {
        lastUsedNanos = System.nanoTime();
    }

    /** Routes what the server sends to {@code listener} from now on (null: nobody holds it). */
    public void listener(ServerListener listener) {
        ServerRelayHandler r = relay;
        if (r != null) {
            r.listener(listener);
        }
    }

    void relay(ServerRelayHandler relay) {
        this.relay = relay;
    }

    /** Writes a whole frontend message to the server, without flushing. */
    public void write(ByteBuf frame) {
        channel.write(frame, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public void writeAndFlush(ByteBuf frame) {
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    public void setAutoRead(boolean autoRead) {
        if (channel.config().isAutoRead() != autoRead) {
            channel.config().setAutoRead(autoRead);
        }
    }

    @Override
    public String toString() {
        return "server#" + id + "(" + address.host() + ":" + address.port() + " pid " + processId + ")";
    }
}
