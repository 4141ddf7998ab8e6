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
import io.pgrudder.core.config.PoolMode;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.pool.ReleasePlan;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
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

    private final Pooler pooler;
    private final Pool pool;
    private final String username;
    private final Map<String, String> startupParameters;
    private final boolean transactionMode;
    private final RequestQueue queue = new RequestQueue();
    /** Frames that arrived while no server was attached; sent once one is. */
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    private ClientParameters settings;
    private ClientState state = ClientState.WAITING;
    private boolean loggedIn;
    private Promise<ServerConnection> checkout;
    private volatile ServerConnection server;
    private CancelKey cancelKey;
    private io.pgrudder.core.stats.ClientMeter meter;

    ClientSessionHandler(Pooler pooler, Pool pool, String username, Map<String, String> startupParameters) {
        this.pooler = pooler;
        this.pool = pool;
        this.username = username;
        this.startupParameters = startupParameters;
        this.transactionMode = pool.settings().poolMode() == PoolMode.TRANSACTION;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        meter = pooler.stats().clientConnected(ctx.channel(), pool.settings().poolName(), username, startupParameters.get("application_name"));
        try {
            settings = ClientParameters.fromStartup(startupParameters);
        } catch (PgException e) {
            fail(e);
            return;
        }
        if (transactionMode) {
            Map<String, String> known = pool.reportedParameters(settings.reportKey());
            if (known != null) {
                known = new java.util.LinkedHashMap<>(known);
                known.put("application_name", settings.applicationName() != null ? settings.applicationName()
                        : known.getOrDefault("application_name", ""));
                // Settings seen before: log in now; they are applied at the first transaction.
                state = ClientState.IDLE;
                completeLogin(known, null);
                return;
            }
        }
        requestServer();
    }

    // ---- getting and attaching a server connection ------------------------------------------

    private void requestServer() {
        state = ClientState.WAITING;
        meter.waiting();
        ctx.channel().config().setAutoRead(false);
        checkout = ctx.executor().newPromise();
        checkout.addListener(this::checkedOut);
        // Transaction mode shares connections between clients, so they are opened with no client settings.
        pool.checkout(transactionMode ? Map.of() : startupParameters, ctx.channel().eventLoop(), checkout);
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
            pool.release(got, ReleasePlan.AS_IS);
            return;
        }
        attach(got);
    }

    private void attach(ServerConnection got) {
        server = got;
        state = ClientState.ACTIVE;
        meter.attached(got);
        queue.attached(got.transactionStatus());
        got.listener(this);
        if (!got.channel().isActive()) {
            // It died between the pool's check and now, before anything was sent: ask for another.
            server = null;
            got.listener(null);
            pool.release(got, ReleasePlan.CLOSE);
            requestServer();
            return;
        }
        String sync = transactionMode ? ParameterSync.sql(settings, got) : null;
        if (sync != null) {
            queue.internal(ok -> {
                if (!loggedIn) {
                    if (ok) {
                        remember(got);
                    }
                    completeLogin(got.parameters(), got);
                }
            });
            writeToServer(got, new Query(sync)::encode);
        } else if (!loggedIn) {
            if (transactionMode) {
                remember(got);
            }
            completeLogin(got.parameters(), got);
            return;
        }
        sendHeld(got);
        ctx.channel().config().setAutoRead(true);
    }

    /** What a server reports for this client's settings, for the next client with the same ones. */
    private void remember(ServerConnection got) {
        Map<String, String> reported = new java.util.LinkedHashMap<>(got.parameters());
        if (settings.applicationName() != null) {
            // Stored as the server's default would be: the next client brings its own.
            reported.remove("application_name");
        }
        pool.reportedParameters(settings.reportKey(), reported);
    }

    /**
     * AuthenticationOk was sent already; now the parameters, the key and the first ReadyForQuery.
     * {@code got} is the server connection held for the login, or null when none was needed.
     */
    private void completeLogin(Map<String, String> parameters, ServerConnection got) {
        loggedIn = true;
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            writeToClient(new ParameterStatus(p.getKey(), p.getValue())::encode);
        }
        // Session mode: the real backend pid, so pg_backend_pid() and NOTIFY's pid match. Transaction
        // mode: a pid of our own, as the client's queries run on many backends. The secret is always ours.
        cancelKey = transactionMode ? pooler.cancels().register(this) : pooler.cancels().register(got.processId(), this);
        writeToClient(new BackendKeyData(cancelKey.processId(), cancelKey.secretKey())::encode);
        writeToClient(ReadyForQuery.of(got == null ? ReadyForQuery.IDLE : queue.transactionStatus())::encode);
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
        ctx.channel().config().setAutoRead(true);
    }

    private void sendHeld(ServerConnection got) {
        while (!held.isEmpty()) {
            forward(got, held.poll());
        }
        got.flush();
    }

    private void releaseServer() {
        // What the server said last (its ReadyForQuery) goes out now: the relay flushes only its current owner.
        ctx.flush();
        ServerConnection s = server;
        server = null;
        state = ClientState.IDLE;
        meter.released();
        s.listener(null);
        ReleasePlan plan = ReleasePlan.cleanup(Cleanup.statements(queue.cleanup()));
        Future<?> cancel = s.cancelInFlight();
        if (cancel != null && !cancel.isDone()) {
            // A cancel meant for this client may still land: nobody else gets the backend before it has.
            cancel.addListener(x -> pool.release(s, plan));
        } else {
            pool.release(s, plan);
        }
    }

    // ---- client to server ---------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (Frames.type(frame) == MessageType.TERMINATE) {
            frame.release();
            ctx.close();
            return;
        }
        switch (state) {
            case ACTIVE -> forward(server, frame);
            case IDLE -> {
                held.add(frame);
                requestServer();
            }
            case WAITING -> held.add(frame);
            default -> frame.release();
        }
    }

    private void forward(ServerConnection to, ByteBuf frame) {
        queue.clientMessage(frame);
        meter.toServer(frame);
        to.write(frame);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null && state == ClientState.ACTIVE) {
            s.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerConnection s = server;
        if (s != null) {
            s.setAutoRead(ctx.channel().isWritable());
        }
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
        boolean toClient;
        try {
            toClient = queue.serverMessage(from, transactionMode ? settings : null, frame);
        } catch (PgException e) {
            frame.release();
            log.warn("{} sent a malformed message: {}", from, e.getMessage());
            from.channel().close();
            return;
        }
        if (toClient) {
            meter.toClient(frame);
            ctx.write(frame, ctx.voidPromise());
        } else {
            frame.release();
        }
        if (transactionMode && loggedIn && server == from && queue.isIdle()) {
            releaseServer();
        }
    }

    @Override
    public void serverReadComplete(ServerConnection from) {
        ctx.flush();
    }

    @Override
    public void serverWritabilityChanged(ServerConnection from, boolean writable) {
        if (from == server) {
            ctx.channel().config().setAutoRead(writable);
        }
    }

    @Override
    public void serverClosed(ServerConnection from, Throwable cause) {
        if (from != server || state == ClientState.CLOSED) {
            return;
        }
        server = null;
        state = ClientState.CLOSED;
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
    public void cancel() {
        ctx.executor().execute(() -> {
            ServerConnection s = server;
            if (state == ClientState.ACTIVE && s != null) {
                s.cancelInFlight(pooler.cancelForwarder().cancel(s));
            } else if (state == ClientState.WAITING && loggedIn) {
                cancelWait();
            }
            // IDLE: nothing runs for this client, so nothing to cancel (a late cancel is dropped).
        });
    }

    /** Cancelled while waiting for a server: the queued requests end with 57014, as if they ran. */
    private void cancelWait() {
        checkout.cancel(false);
        int requests = RequestQueue.requestsIn(held);
        while (!held.isEmpty()) {
            held.poll().release();
        }
        state = ClientState.IDLE;
        meter.released();
        writeToClient(ErrorResponse.from(PgException.error(SqlState.QUERY_CANCELED,
                "canceling statement due to user request"))::encode);
        for (int i = 0; i < Math.max(1, requests); i++) {
            writeToClient(ReadyForQuery.IDLE_INSTANCE::encode);
        }
        ctx.flush();
        ctx.channel().config().setAutoRead(true);
    }

    // ---- the client leaves ----------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (loggedIn && pooler.config().general().logClientDisconnections()) {
            log.info("client {} disconnected: user {} database {}", ctx.channel().remoteAddress(), username,
                    pool.settings().poolName());
        }
        state = ClientState.CLOSED;
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
        ServerConnection s = server;
        server = null;
        if (s != null) {
            s.listener(null);
            s.setAutoRead(true);
            pool.release(s, leavingPlan());
        }
        ctx.fireChannelInactive();
    }

    /** A server left mid-request is in an unknown state: closed. Otherwise rolled back and cleaned. */
    private ReleasePlan leavingPlan() {
        if (!queue.isBetweenRequests()) {
            return ReleasePlan.CLOSE;
        }
        return transactionMode ? ReleasePlan.cleanup(Cleanup.statements(queue.cleanup())) : ReleasePlan.DISCARD_ALL;
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
        state = ClientState.CLOSED;
        meter.error(e.sqlState());
        ClientErrors.send(ctx.channel(), e);
        if (e.severity() != PgException.Severity.FATAL) {
            ctx.close();
        }
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
