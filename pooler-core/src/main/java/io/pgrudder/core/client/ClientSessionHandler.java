package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerListener;
import io.pgrudder.core.pool.ServerPool;
import io.pgrudder.core.pool.PoolRoutes;
import io.pgrudder.core.routing.QueryRouter;
import io.pgrudder.core.pool.ReleasePlan;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A logged-in client. It gets a server connection from its pool when it has something to send
 * and relays frames untouched both ways; the {@link RequestQueue} decides when the server can go
 * back. In session mode the client keeps the connection (opened with its own startup parameters,
 * so RESET returns to them) until it leaves. In transaction mode it lets go at ReadyForQuery 'I'
 * with nothing outstanding, and before each transaction the settings it asked for are applied to
 * whichever connection it gets, only where they differ.
 *
 * <p>Login also takes a server connection, so that the ParameterStatus values the client is
 * told are the ones a server really has for its settings.
 */
final class ClientSessionHandler extends ChannelInboundHandlerAdapter implements ServerListener, CancelRegistry.Cancellable {
    private static final Logger log = LoggerFactory.getLogger(ClientSessionHandler.class);
    private static final String IDLE_IN_TRANSACTION_SESSION_TIMEOUT = "25P03";
    /** What a client waiting for a server may send before it is no longer read (bounds its held frames). */
    static final int HELD_BYTES_BEFORE_BLOCKING = 64 * 1024;

    private final Pooler pooler;
    private final PoolRoutes routes;
    /** The pool a session (session mode) or a login takes its server from; its settings are every pool's. */
    private final ServerPool pool;
    /** The pool the server held (or being checked out) comes from, and goes back to. */
    private ServerPool serverPool;
    private final QueryRouter router;
    private final String username;
    private final Map<String, String> startupParameters;
    private final PoolingMode mode;
    /** {@code mode.sharesServers()}: transaction pooling. */
    private final boolean transactionMode;
    private final RequestQueue queue = new RequestQueue(this::writeToClient);
    private ClientMessages messages;
    /** Frames that arrived while no server was attached; sent once one is. */
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>(4);
    /** Bytes held since the current wait for a server began (see channelRead's WAITING case). */
    private int waitingBytes;

    private ChannelHandlerContext ctx;
    private ClientParameters settings;
    private ClientState state = ClientState.WAITING;
    /** The login phase: over once the client got its first ReadyForQuery. */
    private LoginGreeting login;
    private Promise<ServerConnection> checkout;
    private volatile ServerConnection server;
    private CancelKey cancelKey;
    private io.pgrudder.core.stats.ClientMeter meter;
    /** What was sent on a just-attached connection, until it answers (see ReplayBuffer). */
    private final FirstAnswer firstAnswer = new FirstAnswer(new FirstAnswerView());
    private SessionTimers timers;
    private ReadGate reads;
    /** What the client's session holds that may pin it to its server (transaction mode). */
    private SessionState session;
    /** The session probe is running: the client's next request waits for what it finds. */
    private boolean probing;
    /** LISTEN/UNLISTEN answered by the pooler (transaction mode); null when they go to the server. */
    private ListenCommands listens;

    ClientSessionHandler(Pooler pooler, PoolRoutes routes, String username, Map<String, String> startupParameters) {
        this.pooler = pooler;
        this.routes = routes;
        this.router = new QueryRouter(routes.rules());
        this.pool = routes.pool(router.sessionDestination());
        this.serverPool = pool;
        this.username = username;
        this.startupParameters = startupParameters;
        this.mode = PoolingMode.of(pool.settings().poolMode());
        this.transactionMode = mode.sharesServers();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timers = new SessionTimers(ctx.executor());
        this.reads = new ReadGate(ctx.channel());
        if (transactionMode) {
            listens = ListenCommands.of(ctx, reads, routes.primary().notifications(), f -> channelRead(ctx, f),
                    () -> channelReadComplete(ctx));
        }
        int cacheSize = pool.settings().preparedStatementsCacheSize();
        boolean rewrite = transactionMode && cacheSize > 0;
        // One registry for both of the user's pools: a client's statements follow it to either.
        meter = pooler.stats().clientConnected(ctx.channel(), pool.settings().poolName(), username, startupParameters.get("application_name"));
        session = new SessionState(pooler.config().general().pinSessionState(), pins -> {
            meter.pinned(pins.stream().map(Pin::metricName).collect(java.util.stream.Collectors.toUnmodifiableSet()),
                    pins.stream().map(Pin::label).sorted().collect(java.util.stream.Collectors.joining(", ")));
            PinNotices.first(pool.settings().poolName(), pins);
            ServerConnection s = server;
            if (s != null) {
                s.pinned(!pins.isEmpty());
            }
        });
        messages = new ClientMessages(queue, new RoutingCommands(router, queue, routes.shards()),
                rewrite ? routes.primary().statements() : null, cacheSize, transactionMode, session);
        try {
            settings = ClientParameters.fromStartup(startupParameters);
        } catch (PgException e) {
            fail(e);
            return;
        }
        login = new LoginGreeting(pool, settings);
        Map<String, String> known = transactionMode ? login.known() : null;
        if (known != null) {
            // Settings seen before: log in now; they are applied at the first transaction.
            transitionTo(ClientState.IDLE, null);
            completeLogin(known, null);
            return;
        }
        requestServer(pool);
    }

    // ---- getting and attaching a server connection ------------------------------------------

    private void requestServer(ServerPool from) {
        transitionTo(ClientState.WAITING, null);
        waitingBytes = 0;
        serverPool = from;
        checkout = ctx.executor().newPromise();
        checkout.addListener(this::checkedOut);
        // Transaction mode shares connections between clients, so they are opened with no client settings.
        from.checkout(mode.openWith(startupParameters), ctx.channel().eventLoop(), checkout);
        // Reading stops only when the client sends more than a request while it waits (channelRead):
        // each change of auto-read is two epoll_ctl system calls, and a client that waits for its
        // reply sends nothing more.
    }

    /** The pool for a transaction that starts with {@code first} (transaction mode), by its text. */
    private ServerPool poolFor(ByteBuf first) {
        if (!transactionMode) {
            return pool;
        }
        if (!router.readsText() || routes.replicas() == null) {
            return routes.primary();
        }
        String sql;
        try {
            sql = messages.sqlOf(first);
        } catch (PgException e) {
            sql = null; // malformed: sent as it is, and the error comes from there
        }
        return routes.pool(router.route(sql));
    }

    private void checkedOut(Future<? super ServerConnection> f) {
        if (f.isCancelled()) {
            return;
        }
        if (!f.isSuccess()) {
            fail(f.cause() instanceof PgException pg ? pg
                    : PgException.fatal(SqlState.CONNECTION_FAILURE, String.valueOf(f.cause())));
            return;
        }
        ServerConnection got = (ServerConnection) f.getNow();
        if (state == ClientState.CLOSED) {
            serverPool.release(got, ReleasePlan.AS_IS);
            return;
        }
        attach(got);
    }

    private void attach(ServerConnection got) {
        server = got;
        transitionTo(ClientState.ACTIVE, got);
        queue.attached(got.transactionStatus());
        got.listener(this);
        if (!ctx.channel().isWritable()) {
            got.setAutoRead(false); // the client is not reading: neither is its server's reply
        }
        if (!got.channel().isActive()) {
            // It died between the pool's check and now, before anything was sent: ask for another.
            serverPool.release(detach(), ReleasePlan.CLOSE);
            requestServer(serverPool);
            return;
        }
        String sync = mode.syncSql(settings, got);
        if (sync != null) {
            queue.internal(failure -> {
                if (loggedIn()) {
                    synced(got, failure);
                    return;
                }
                if (failure != null) {
                    // Refused as PostgreSQL refuses such a startup; the server goes back cleaned.
                    serverPool.release(detach(), cleanPlan(got));
                    fail(LoginGreeting.refusal(failure));
                    return;
                }
                login.remember(got);
                completeLogin(got.parameters(), got);
            });
            writeToServer(got, new Query(sync)::encode);
            if (loggedIn()) {
                got.flush(); // the request waits for its settings to be confirmed (synced)
                return;
            }
        } else if (!loggedIn()) {
            if (transactionMode) {
                login.remember(got);
            }
            completeLogin(got.parameters(), got);
            return;
        }
        keepForReplay();
        sendHeld(got);
        reads.unblock(ReadGate.WAITING_FOR_SERVER);
    }

    /**
     * The probe answered. A request that arrived meanwhile goes to the same server, after what the
     * probe changed in the client's wanted settings (a RESET's startup value) is applied.
     */
    private void probed(ServerConnection s, SessionProbe probe, ErrorResponse failure) {
        probing = false;
        if (s != server) {
            return;
        }
        if (failure == null) {
            session.confirmed(probe.result(), settings, s);
        } else {
            session.unknown();
        }
        if (held.isEmpty()) {
            return; // its ReadyForQuery goes on in relay(): let go, or stay pinned
        }
        if (session.pinned()) {
            sendHeld(s); // its next transaction runs where its state is
            reads.unblock(ReadGate.WAITING_FOR_SERVER);
            return;
        }
        // A new transaction: it goes where its first statement says (a write to the primary, even
        // when the probe ran on a replica), on a server synced with what the probe found and, with
        // pinning off, cleaned of what it found.
        releaseServer();
        requestServer(poolFor(held.peek()));
    }

    /**
     * The server confirmed (or refused) the client's settings: only now does its request go, so it
     * never runs without them. Refused (a role since dropped, a value no longer valid), the request
     * gets the server's error as a direct connection would have at its SET, and the server goes
     * back cleaned.
     */
    private void synced(ServerConnection got, ErrorResponse failure) {
        if (got != server || state != ClientState.ACTIVE) {
            return;
        }
        if (failure == null) {
            keepForReplay();
            sendHeld(got);
            reads.unblock(ReadGate.WAITING_FOR_SERVER);
            return;
        }
        log.warn("client {} ({}): {} refused the session's settings: {} {}", ctx.channel().remoteAddress(), username,
                got, failure.sqlState(), failure.message());
        serverPool.release(detach(), cleanPlan(got));
        answerHeld(ClientReplies.settingsRefused(failure));
    }

    /**
     * The requests held for a server end, unsent, with {@code error} and a ReadyForQuery each, as if
     * they had failed there; the client is idle and read again.
     */
    private void answerHeld(PgException error) {
        int requests = RequestQueue.requestsIn(held);
        while (!held.isEmpty()) {
            held.poll().release();
        }
        transitionTo(ClientState.IDLE, null);
        writeToClient(ErrorResponse.from(error)::encode);
        for (int i = 0; i < Math.max(1, requests); i++) {
            writeToClient(ReadyForQuery.IDLE_INSTANCE::encode);
        }
        ctx.flush();
        reads.unblock(ReadGate.WAITING_FOR_SERVER);
    }

    /** How a server this client lets go of (between requests) is cleaned for the next one. */
    private ReleasePlan cleanPlan(ServerConnection s) {
        return mode.cleanAfter(queue, session, s);
    }

    /**
     * The one place the client's state changes. SHOW CLIENTS' view of it (the meter, read from
     * other threads) follows here, so it cannot drift: a server lost between transactions used
     * to leave the meter saying active.
     */
    private void transitionTo(ClientState next, ServerConnection attached) {
        ClientState was = state;
        state = next;
        switch (next) {
            case WAITING -> meter.waiting();
            case ACTIVE -> meter.attached(attached);
            case IDLE -> {
                if (was != ClientState.IDLE) {
                    meter.released();
                }
            }
            default -> {
                // CLOSED: the meter learns it from closed() / error(), with what ended it
            }
        }
    }

    /**
     * The one way a server connection leaves this client: it stops sending here, its timers end
     * and reading from the client no longer waits for it. The caller gives it back to its pool
     * (unless it is gone already).
     */
    private ServerConnection detach() {
        ServerConnection s = server;
        server = null;
        s.listener(null);
        s.pinned(false);
        probing = false;
        timers.cancelStatement();
        reads.unblock(ReadGate.SERVER_FULL);
        return s;
    }

    private void keepForReplay() {
        if (transactionMode && loggedIn() && queue.transactionStatus() == ReadyForQuery.IDLE) {
            firstAnswer.keep(held);
        }
    }

    /** The session as {@link FirstAnswer} sees it. */
    private final class FirstAnswerView implements FirstAnswer.Session {
        @Override
        public ServerConnection attached() {
            return state == ClientState.ACTIVE ? server : null;
        }

        @Override
        public Future<Boolean> nodeAcceptsConnections(ServerConnection from) {
            return serverPool.acceptsConnections(from.address(), ctx.channel().eventLoop());
        }

        /** The server said FATAL 57P01/57P03 first, on a node going away: its backend ran none of it. */
        @Override
        public void runElsewhere(ServerConnection from, java.util.List<ByteBuf> request) {
            log.info("client {} ({}): {} went away before answering (its server is shutting down); sending the "
                    + "request to another server", ctx.channel().remoteAddress(), username, from);
            serverPool.release(detach(), ReleasePlan.CLOSE);
            held.addAll(request);
            queue.attached(ReadyForQuery.IDLE);
            requestServer(serverPool);
        }

        @Override
        public void answer(ServerConnection from, ByteBuf frame) {
            relay(from, frame);
            ctx.flush();
        }

        @Override
        public void lost(ServerConnection from) {
            serverLost(from);
        }
    }

    /**
     * AuthenticationOk was sent already; now the parameters, the key and the first ReadyForQuery.
     * {@code got} is the server connection held for the login, or null when none was needed.
     */
    private void completeLogin(Map<String, String> parameters, ServerConnection got) {
        cancelKey = mode.register(pooler.cancels(), this, got);
        login.send(parameters, cancelKey, got == null ? ReadyForQuery.IDLE : queue.transactionStatus(), this::writeToClient);
        ctx.flush();
        if (pooler.config().general().logClientConnections()) {
            log.info("client {} connected: user {} database {} application_name {}", ctx.channel().remoteAddress(),
                    username, pool.settings().poolName(), startupParameters.getOrDefault("application_name", ""));
        }
        if (got != null) {
            if (transactionMode && held.isEmpty()) {
                releaseServer();
            } else {
                sendHeld(got);
            }
        }
        reads.unblock(ReadGate.WAITING_FOR_SERVER);
    }

    /**
     * Sends what arrived while no server was attached. This runs in the checkout's listener, where
     * an exception would only be logged by the promise: a frame that fails to decode ends the
     * client here, as it does in {@link #exceptionCaught} when a server is attached.
     */
    private void sendHeld(ServerConnection got) {
        try {
            while (!held.isEmpty()) {
                forward(got, held.poll());
            }
        } catch (PgException e) {
            while (!held.isEmpty()) {
                held.poll().release();
            }
            fail(e);
            return;
        }
        got.flush();
        ctx.flush();
        armStatementTimer();
    }

    private void releaseServer() {
        // What the server said last (its ReadyForQuery) goes out now: the relay flushes only its current owner.
        ctx.flush();
        ServerConnection s = detach();
        transitionTo(ClientState.IDLE, null);
        ReleasePlan plan = cleanPlan(s);
        if (plan == ReleasePlan.DISCARD_ALL) {
            session.lost();
        }
        Future<?> cancel = s.cancelInFlight();
        if (cancel != null && !cancel.isDone()) {
            // A cancel meant for this client may still land: nobody else gets the backend before it has.
            ServerPool to = serverPool;
            cancel.addListener(x -> to.release(s, plan));
        } else {
            serverPool.release(s, plan);
        }
    }

    // ---- client to server ---------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        timers.cancelIdleInTransaction();
        if (Frames.type(frame) == MessageType.TERMINATE) {
            frame.release();
            ctx.close();
            return;
        }
        switch (state) {
            case ACTIVE -> {
                if (!held.isEmpty() || probing) {
                    // Behind the probe, or the request that waits for its settings (synced): held,
                    // and nothing more is read until they are sent, so what is held stays one read.
                    held.add(frame);
                    reads.block(ReadGate.WAITING_FOR_SERVER);
                    return;
                }
                // Until the just-attached server answers, what follows the first frames is kept
                // too: a replay must resend the whole request (Parse alone would wait for a Sync).
                firstAnswer.add(frame);
                forward(server, frame);
            }
            case IDLE -> {
                if (listens != null && listens.take(frame)) {
                    return;
                }
                if (messages.answerWithoutServer(frame)) {
                    ctx.flush();
                    return;
                }
                held.add(frame);
                requestServer(poolFor(frame));
            }
            case WAITING -> {
                // More while waiting for a server: held. The rest of an extended-protocol request
                // (Bind, Execute, Sync after Parse) comes in the same read, and stopping reads costs
                // two epoll_ctl calls per wait, so a client stops being read only once what it holds
                // passes HELD_BYTES_BEFORE_BLOCKING (a pipeline); the rest then waits in the socket.
                held.add(frame);
                waitingBytes += frame.readableBytes();
                if (waitingBytes > HELD_BYTES_BEFORE_BLOCKING) {
                    reads.block(ReadGate.WAITING_FOR_SERVER);
                }
            }
            default -> frame.release();
        }
    }

    private void forward(ServerConnection to, ByteBuf frame) {
        meter.toServer(frame);
        if (listens != null) {
            listens.sentToServer(frame);
        }
        messages.send(frame, to);
        to.answering(!queue.isBetweenRequests());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null && state == ClientState.ACTIVE) {
            s.flush();
            // Replies the pooler made itself (ParseComplete, CloseComplete, DEALLOCATE) go out now.
            ctx.flush();
            armStatementTimer();
            if (transactionMode && loggedIn() && queue.isIdle()) {
                betweenTransactions();
            }
        }
    }

    /**
     * A transaction-mode client's transaction is over and nothing is outstanding: its session is
     * probed first when it may have changed, and the server is let go unless the session holds
     * what cannot move.
     */
    private void betweenTransactions() {
        ProbeRequest asked = queue.takeProbe();
        if (asked != null) {
            ServerConnection s = server;
            SessionProbe probe = new SessionProbe(asked);
            String sql = SessionProbe.sql(asked, session.customNames());
            if (sql == null) {
                // Only RESETs by name, which their tags confirmed: nothing to ask.
                session.confirmed(probe.result(), settings, s);
            } else {
                probing = true;
                queue.internal(failure -> probed(s, probe, failure), probe::row);
                writeToServer(s, new Query(sql)::encode);
                s.flush();
                return; // its ReadyForQuery brings the client back here
            }
        }
        if (!session.pinned()) {
            releaseServer();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        ServerConnection s = server;
        if (s != null) {
            s.setAutoRead(writable);
        }
        reads.blockWhen(!writable, ReadGate.CLIENT_FULL);
        ctx.fireChannelWritabilityChanged();
    }

    // ---- server to client ---------------------------------------------------------------------

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void serverFrame(ServerConnection from, ByteBuf frame) {
        if (from != server || state != ClientState.ACTIVE) {
            frame.release();
            return;
        }
        if (!firstAnswer.serverFrame(from, frame)) {
            relay(from, frame);
        }
    }

    private void relay(ServerConnection from, ByteBuf frame) {
        boolean toClient;
        try {
            toClient = queue.serverMessage(from, transactionMode ? settings : null, frame);
        } catch (PgException e) {
            frame.release();
            log.warn("{} sent a malformed message: {}", from, e.getMessage());
            from.channel().close();
            return;
        }
        boolean readyForQuery = Frames.type(frame) == MessageType.READY_FOR_QUERY;
        if (toClient) {
            meter.toClient(frame);
            ctx.write(transactionMode ? ClientReplies.survivable(frame, queue.transactionStatus(), ctx.alloc()) : frame,
                    ctx.voidPromise());
        } else {
            frame.release();
        }
        if (readyForQuery) {
            timers.cancelStatement();
            if (server == from && queue.isBetweenRequests()) {
                if (transactionMode && loggedIn() && queue.isIdle()) {
                    betweenTransactions();
                } else if (queue.transactionStatus() != ReadyForQuery.IDLE) {
                    armIdleInTransactionTimer();
                }
            } else {
                armStatementTimer();
            }
        }
    }

    private void armStatementTimer() {
        long millis = pool.settings().user().statementTimeout().toMillis();
        if (server == null || queue.outstandingRequests() == 0) {
            return;
        }
        timers.armStatement(millis, () -> {
            ServerConnection s = server;
            if (s == null || queue.outstandingRequests() == 0) {
                return;
            }
            log.warn("client {} ({}): no reply from {} within statement_timeout ({} ms); closing both",
                    ctx.channel().remoteAddress(), username, s, millis);
            serverPool.release(detach(), ReleasePlan.CLOSE);
            fail(PgException.fatal(SqlState.QUERY_CANCELED, "pool statement timeout: the server did not answer within "
                    + "statement_timeout (" + millis + " ms)"));
        });
    }

    private void armIdleInTransactionTimer() {
        long millis = pooler.config().general().idleClientInTransactionTimeout().toMillis();
        timers.armIdleInTransaction(millis, () -> {
            if (server != null && queue.isBetweenRequests() && queue.transactionStatus() != ReadyForQuery.IDLE) {
                // The server is rolled back and reused when the client's connection closes.
                fail(PgException.fatal(IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "idle transaction timeout: the client sat "
                        + "idle in a transaction longer than idle_client_in_transaction_timeout (" + millis + " ms)"));
            }
        });
    }

    @Override
    public void serverReadComplete(ServerConnection from) {
        ctx.flush();
    }

    @Override
    public void serverWritabilityChanged(ServerConnection from, boolean writable) {
        if (from == server) {
            reads.blockWhen(!writable, ReadGate.SERVER_FULL);
        }
    }

    @Override
    public void serverClosed(ServerConnection from, Throwable cause) {
        if (from != server || state == ClientState.CLOSED) {
            return;
        }
        if (!firstAnswer.serverClosed()) {
            serverLost(from);
        }
    }

    /**
     * The server is gone and nothing will be sent again: a close proves nothing about what ran
     * (the reply may be what was lost), so the client is told the outcome is unknown.
     */
    private void serverLost(ServerConnection from) {
        if (from != server || state == ClientState.CLOSED) {
            return;
        }
        boolean stateLost = session.pinned() || probing || queue.probePending();
        detach(); // gone: the pool saw it close
        from.statements().rolledBack(); // and so is its transaction, with what it accepted
        if (stateLost) {
            // Its temporary tables, cursors, locks or settings went with it: as on a direct connection, the session ends.
            String held = session.pinned() ? "held " + String.join(", ", session.pins().stream().map(Pin::label).sorted().toList())
                    : "had changed its session state";
            session.lost();
            transitionTo(ClientState.CLOSED, null);
            fail(PgException.fatal(SqlState.CONNECTION_FAILURE, "server connection lost; this session " + held
                    + ", which cannot move to another server"));
            return;
        }
        if (transactionMode && loggedIn() && !held.isEmpty() && queue.requestsOwedToClient() == 0) {
            // Lost while its settings were being applied: none of the request was sent, so it goes to another server.
            queue.attached(ReadyForQuery.IDLE);
            requestServer(serverPool);
            return;
        }
        if (transactionMode && loggedIn() && queue.transactionStatus() == ReadyForQuery.IDLE) {
            // No transaction block was open: the client's connection survives, and its next
            // transaction gets another server; what ran may or may not have committed, as
            // PostgreSQL's own 08007 says.
            int owed = queue.requestsOwedToClient();
            if (owed > 0 && !queue.sawFatalError()) {
                writeToClient(ErrorResponse.from(ClientReplies.outcomeUnknown())::encode);
            }
            for (int i = 0; i < owed; i++) {
                writeToClient(ReadyForQuery.IDLE_INSTANCE::encode);
            }
            ctx.flush();
            queue.attached(ReadyForQuery.IDLE);
            transitionTo(ClientState.IDLE, null);
            return;
        }
        transitionTo(ClientState.CLOSED, null);
        if (queue.sawFatalError()) {
            ctx.flush();
            ctx.close();
        } else {
            fail(PgException.fatal(SqlState.CONNECTION_FAILURE,
                    "server closed the connection unexpectedly; the pool will open a new one"));
        }
    }

    // ---- cancel -------------------------------------------------------------------------------

    /** A CancelRequest with our key arrived on another connection (any thread). */
    @Override
    public void cancel(Runnable finished) {
        try {
            ctx.executor().execute(() -> {
                ServerConnection s = server;
                if (state == ClientState.ACTIVE && s != null) {
                    Future<Void> forwarded = pooler.cancelForwarder().cancel(s);
                    s.cancelInFlight(forwarded);
                    forwarded.addListener(f -> finished.run());
                    return;
                }
                if (state == ClientState.WAITING && loggedIn()) {
                    cancelWait();
                }
                // IDLE: nothing runs for this client, so nothing to cancel (a late cancel is dropped).
                finished.run();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            finished.run(); // the event loop is shutting down: nothing will be cancelled
        }
    }

    /** Cancelled while waiting for a server: the queued requests end with 57014, as if they ran. */
    private void cancelWait() {
        checkout.cancel(false);
        answerHeld(PgException.error(SqlState.QUERY_CANCELED, "canceling statement due to user request"));
    }

    // ---- the client leaves ----------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        firstAnswer.drop();
        timers.cancelAll();
        if (loggedIn() && pooler.config().general().logClientDisconnections()) {
            log.info("client {} disconnected: user {} database {}", ctx.channel().remoteAddress(), username,
                    pool.settings().poolName());
        }
        transitionTo(ClientState.CLOSED, null);
        meter.closed();
        while (!held.isEmpty()) {
            held.poll().release();
        }
        if (cancelKey != null) {
            pooler.cancels().unregister(cancelKey, this);
        }
        if (checkout != null && !checkout.isDone()) {
            checkout.cancel(false);
        }
        if (server != null) {
            ReleasePlan plan = leavingPlan();
            serverPool.release(detach(), plan); // the pool reads it again
        }
        ctx.fireChannelInactive();
    }

    /** A server left mid-request is in an unknown state: closed. Otherwise rolled back and cleaned. */
    private ReleasePlan leavingPlan() {
        if (!queue.isBetweenRequests()) {
            return ReleasePlan.CLOSE;
        }
        return cleanPlan(server);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = ClientErrors.unwrap(cause);
        if (root instanceof PgException pg) {
            fail(pg);
        } else {
            log.debug("client {} ({}): {}", ctx.channel().remoteAddress(), username, root.toString());
            ctx.close();
        }
    }

    private void fail(PgException e) {
        if (!ctx.channel().isActive()) {
            return;
        }
        transitionTo(ClientState.CLOSED, null);
        meter.error(e.sqlState());
        ClientErrors.send(ctx.channel(), e);
        if (e.severity() != PgException.Severity.FATAL) {
            ctx.close();
        }
    }

    private boolean loggedIn() {
        return login != null && login.sent();
    }

    private void writeToClient(Consumer<ByteBuf> encoder) {
        ByteBuf out = ctx.alloc().buffer();
        encoder.accept(out);
        ctx.write(out, ctx.voidPromise());
    }

    private static void writeToServer(ServerConnection to, Consumer<ByteBuf> encoder) {
        ByteBuf out = to.channel().alloc().buffer();
        encoder.accept(out);
        to.write(out);
    }
}
