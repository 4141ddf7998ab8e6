package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerListener;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * A logged-in client in session mode: it gets one server connection (opened with its own startup
 * parameters, so they are the server session's defaults) and keeps it until it leaves. Frames are
 * relayed untouched in both directions; the {@link ServerLink} watches them to know whether the
 * server is between requests when the client leaves.
 */
final class ClientSessionHandler extends ChannelInboundHandlerAdapter implements ServerListener, CancelRegistry.Cancellable {
    private static final Logger log = LoggerFactory.getLogger(ClientSessionHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pooler pooler;
    private final Pool pool;
    private final String username;
    private final Map<String, String> startupParameters;
    private final ServerLink link = new ServerLink();
    /** Frames that arrived before the session was ready (clients should wait; some pipeline). */
    private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    private ClientState state = ClientState.WAITING;
    private Promise<ServerConnection> checkout;
    private volatile ServerConnection server;
    private CancelKey cancelKey;

    ClientSessionHandler(Pooler pooler, Pool pool, String username, Map<String, String> startupParameters) {
        this.pooler = pooler;
        this.pool = pool;
        this.username = username;
        this.startupParameters = startupParameters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        checkout = ctx.executor().newPromise();
        checkout.addListener(this::checkedOut);
        pool.checkout(startupParameters, ctx.channel().eventLoop(), checkout);
    }

    private void checkedOut(Future<? super ServerConnection> f) {
        if (f.isCancelled()) {
            return;
        }
        if (!f.isSuccess()) {
            PgException e = f.cause() instanceof PgException pg ? pg
                    : PgException.fatal(SqlState.CONNECTION_FAILURE, String.valueOf(f.cause()));
            fail(e);
            return;
        }
        ServerConnection got = (ServerConnection) f.getNow();
        if (state == ClientState.CLOSED) {
            pool.release(got, true);
            return;
        }
        attach(got);
    }

    private void attach(ServerConnection got) {
        server = got;
        state = ClientState.ACTIVE;
        link.reset(got.transactionStatus());
        got.listener(this);
        for (Map.Entry<String, String> p : got.parameters().entrySet()) {
            write(new ParameterStatus(p.getKey(), p.getValue())::encode);
        }
        byte[] secret = new byte[4];
        RANDOM.nextBytes(secret);
        // Session mode: the real backend pid, so pg_backend_pid() and NOTIFY pids match; our own secret.
        cancelKey = new CancelKey(got.processId(), secret);
        pooler.cancels().register(cancelKey, this);
        write(new BackendKeyData(got.processId(), secret)::encode);
        write(ReadyForQuery.of(got.transactionStatus())::encode);
        ctx.flush();
        if (pooler.config().general().logClientConnections()) {
            log.info("client {} connected: user {} database {} application_name {} ({})", ctx.channel().remoteAddress(),
                    username, pool.settings().poolName(), startupParameters.getOrDefault("application_name", ""), got);
        }
        while (!early.isEmpty()) {
            forward(early.poll());
        }
        got.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (state == ClientState.WAITING) {
            early.add(frame);
            return;
        }
        if (state != ClientState.ACTIVE) {
            frame.release();
            return;
        }
        forward(frame);
    }

    private void forward(ByteBuf frame) {
        if (link.clientMessage(frame)) {
            frame.release();
            ctx.close();
            return;
        }
        server.write(frame);
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
        link.serverMessage(from, frame);
        ctx.write(frame, ctx.voidPromise());
    }

    @Override
    public void serverReadComplete(ServerConnection from) {
        if (from == server) {
            ctx.flush();
        }
    }

    @Override
    public void serverWritabilityChanged(ServerConnection from, boolean writable) {
        ctx.channel().config().setAutoRead(writable);
    }

    @Override
    public void serverClosed(ServerConnection from, Throwable cause) {
        if (from != server || state == ClientState.CLOSED) {
            return;
        }
        server = null;
        if (link.sawFatalError()) {
            ctx.flush();
            ctx.close();
        } else {
            fail(PgException.fatal(SqlState.CONNECTION_FAILURE,
                    "server closed the connection unexpectedly; the pool will open a new one"));
        }
    }

    /** A CancelRequest with our key arrived on another connection (any thread). */
    @Override
    public void cancel() {
        ServerConnection s = server;
        if (s != null) {
            pooler.cancelForwarder().cancel(s);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == ClientState.ACTIVE && pooler.config().general().logClientDisconnections()) {
            log.info("client {} disconnected: user {} database {}", ctx.channel().remoteAddress(), username,
                    pool.settings().poolName());
        }
        state = ClientState.CLOSED;
        while (!early.isEmpty()) {
            early.poll().release();
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
            pool.release(s, link.isBetweenRequests());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PgException pg) {
            fail(pg);
        } else {
            log.debug("client {} ({}): {}", ctx.channel().remoteAddress(), username, root.toString());
            ctx.close();
        }
    }

    private void fail(PgException e) {
        if (state == ClientState.CLOSED) {
            return;
        }
        ClientErrors.send(ctx.channel(), e);
        if (e.severity() != PgException.Severity.FATAL) {
            ctx.close();
        }
    }

    private void write(java.util.function.Consumer<ByteBuf> encoder) {
        ByteBuf out = ctx.alloc().buffer();
        encoder.accept(out);
        ctx.write(out, ctx.voidPromise());
    }
}
