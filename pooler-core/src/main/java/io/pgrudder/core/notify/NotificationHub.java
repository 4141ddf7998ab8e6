package io.pgrudder.core.notify;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerListener;
import io.pgrudder.core.backend.ServerLogin;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.frontend.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * LISTEN/NOTIFY for a pool's transaction-mode clients without pinning each listener to a server
 * connection: one listening server connection per pool LISTENs on the union of its clients'
 * channels and hands every NotificationResponse, unchanged (the notifying backend's pid, the
 * channel, the payload), to each client subscribed to its channel, on that client's own loop.
 *
 * <p>The listening connection is opened at the first LISTEN and closed when no client listens
 * any more. It is outside pool_size: it never serves a transaction, and it is logged when first
 * opened. It follows the pool's target: when the target moves (a Patroni leader change) or the
 * connection is lost, it is reopened where the target points and LISTENs again on every channel.
 * <b>Notifications sent while the listening connection is being reopened (between its loss or
 * move and its new LISTENs) are lost.</b>
 *
 * <p>A LISTEN is confirmed (its promise succeeds) only once the listening connection's server
 * answered a LISTEN on that channel, so a NOTIFY committed after the client got its answer is
 * never missed. UNLISTEN takes effect at once for the client; the server is told when nobody
 * listens on the channel any more.
 *
 * <p>Confined to one event loop (the pool's); the public methods hop there and may be called from
 * any thread.
 */
public final class NotificationHub implements ServerListener {
    private static final Logger log = LoggerFactory.getLogger(NotificationHub.class);
    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long MAX_RETRY_MILLIS = 2_000;

    /** A client that receives notifications. */
    public interface Subscriber {
        /** The loop {@link #notifications} runs on. */
        EventExecutor executor();

        /** NotificationResponse frames for this subscriber's channels, in order; it owns and releases them. */
        void notifications(List<ByteBuf> frames);
    }

    /** A LISTEN waiting to be confirmed; {@code wasSubscribed}: a failure leaves the older subscription. */
    private record Waiter(Subscriber subscriber, String channel, Promise<Void> promise, boolean wasSubscribed) {
    }

    private final String name;
    private final ServerTarget target;
    private final ServerConnector connector;
    private final EventLoop loop;
    private final Function<ServerAddress, ServerLogin> login;

    private final Subscriptions<Subscriber> subscriptions = new Subscriptions<>();
    /** What the listening connection was told and still owes. */
    private final ChannelCommands<Waiter> commands = new ChannelCommands<>();
    /** LISTENs that arrived while there was no listening connection. */
    private final List<Waiter> waitingForConnection = new ArrayList<>();
    /** Notifications of the current read, per subscriber, handed over at its end. */
    private final Map<Subscriber, List<ByteBuf>> batch = new IdentityHashMap<>();

    private ServerConnection connection;
    private boolean opening;
    private boolean closed;
    private boolean everOpened;
    private Runnable stopWatchingTarget;
    private ScheduledFuture<?> retry;
    private long retryMillis = FIRST_RETRY_MILLIS;

    /**
     * @param name  the pool, for logs
     * @param login the login to a server for the listening connection
     */
    public NotificationHub(String name, ServerTarget target, ServerConnector connector, EventLoop loop,
                           Function<ServerAddress, ServerLogin> login) {
        this.name = name;
        this.target = target;
        this.connector = connector;
        this.loop = loop;
        this.login = login;
    }

    /** Subscribes; {@code confirmed} succeeds once the channel is LISTENed on, or fails with the reason. */
    public void listen(Subscriber subscriber, String channel, Promise<Void> confirmed) {
        onLoop(() -> doListen(subscriber, channel, confirmed));
    }

    /** Unsubscribes from one channel, at once. */
    public void unlisten(Subscriber subscriber, String channel) {
        onLoop(() -> {
            if (subscriptions.remove(subscriber, channel)) {
                nobodyListens(channel);
            }
            closeIfUnused();
        });
    }

    /** Unsubscribes from every channel (UNLISTEN *, or the client left), at once. */
    public void unlistenAll(Subscriber subscriber) {
        onLoop(() -> {
            for (String channel : subscriptions.removeAll(subscriber)) {
                nobodyListens(channel);
            }
            closeIfUnused();
        });
    }

    /** The pool is closing: the listening connection closes and pending LISTENs fail. */
    public void close() {
        onLoop(() -> {
            closed = true;
            ServerConnection c = connection;
            connection = null; // first: failing waiters then sends nothing
            if (c != null) {
                c.channel().close();
            }
            failWaiters(PgException.fatal(SqlState.ADMIN_SHUTDOWN, name + " is closing"));
            forgetConnection();
            stop();
        });
    }

    // ---- on the loop ---------------------------------------------------------------------------

    private void doListen(Subscriber subscriber, String channel, Promise<Void> promise) {
        if (closed) {
            promise.tryFailure(PgException.error(SqlState.ADMIN_SHUTDOWN, name + " is closing"));
            return;
        }
        boolean was = subscriptions.contains(subscriber, channel);
        subscriptions.add(subscriber, channel);
        Waiter waiter = new Waiter(subscriber, channel, promise, was);
        if (connection == null) {
            waitingForConnection.add(waiter);
            open();
            return;
        }
        if (commands.join(channel, waiter)) {
            return; // the LISTEN in flight answers it
        }
        if (commands.confirmed(channel)) {
            promise.trySuccess(null);
            return;
        }
        send(channel, true, waiter);
    }

    /** The last subscriber of {@code channel} left: the server stops sending it. */
    private void nobodyListens(String channel) {
        if (connection == null) {
            return;
        }
        if (commands.listening(channel)) {
            send(channel, false, null);
        }
    }

    private void send(String channel, boolean listen, Waiter waiter) {
        commands.sent(channel, listen, waiter);
        String sql = new ListenStatement(listen ? ListenStatement.Action.LISTEN : ListenStatement.Action.UNLISTEN,
                channel).sql();
        connection.writeAndFlush(Frames.encoded(connection.channel().alloc(), new Query(sql)::encode));
    }

    /** Nobody listens any more: the listening connection goes. */
    private void closeIfUnused() {
        if (!subscriptions.isEmpty()) {
            return;
        }
        failWaiters(PgException.error(SqlState.CONNECTION_FAILURE, "no longer listening"));
        if (connection != null) {
            log.info("{}: closing the listening connection {}: no client listens any more", name, connection);
            ServerConnection c = connection;
            forgetConnection();
            c.channel().close();
        }
        stop();
    }

    /** Opens the listening connection unless it is open, opening, or waiting for a retry. */
    private void open() {
        if (connection != null || opening || closed || retry != null) {
            return;
        }
        if (stopWatchingTarget == null) {
            stopWatchingTarget = target.onChange(() -> onLoop(this::targetChanged));
        }
        Optional<ServerAddress> to = target.address();
        if (to.isEmpty()) {
            failConnectionWaiters(target.unavailable(null));
            if (subscriptions.isEmpty()) {
                stop();
            } else {
                retryLater(); // or sooner: targetChanged
            }
            return;
        }
        ServerAddress address = to.get();
        opening = true;
        connector.connect(loop, login.apply(address))
                .addListener((Future<ServerConnection> f) -> onLoop(() -> opened(address, f)));
    }

    private void opened(ServerAddress address, Future<ServerConnection> f) {
        opening = false;
        if (!f.isSuccess()) {
            PgException cause = f.cause() instanceof PgException pg ? pg
                    : PgException.fatal(SqlState.CONNECTION_FAILURE, String.valueOf(f.cause()));
            target.connectFailed(address, cause);
            if (target.retryable(cause)) {
                target.suspect();
            }
            log.warn("{}: could not open the listening connection to {}:{}: {}", name, address.host(), address.port(),
                    cause.getMessage());
            failConnectionWaiters(cause);
            if (subscriptions.isEmpty() || closed) {
                stop();
            } else {
                retryLater();
            }
            return;
        }
        ServerConnection server = f.getNow();
        if (closed || subscriptions.isEmpty()) {
            server.channel().close();
            failConnectionWaiters(PgException.error(SqlState.CONNECTION_FAILURE, "no longer listening"));
            stop();
            return;
        }
        if (!target.accepts(server.address())) {
            // The target moved while this one was being opened: try where it points now.
            log.info("{}: {} is no longer where {} points; opening the listening connection again", name, server, target);
            server.channel().close();
            retryLater();
            return;
        }
        connection = server;
        retryMillis = FIRST_RETRY_MILLIS;
        server.listener(this);
        if (!everOpened) {
            everOpened = true;
            log.info("{}: opened {} to LISTEN for this pool's clients; it is one connection outside pool_size", name,
                    server);
        } else {
            log.info("{}: reopened the listening connection {}, LISTENing again on {} channels", name, server,
                    subscriptions.channels().size());
        }
        for (String channel : subscriptions.channels()) {
            send(channel, true, null);
        }
        for (Waiter w : waitingForConnection) {
            if (!commands.join(w.channel(), w)) {
                w.promise().trySuccess(null); // its subscriber left meanwhile
            }
        }
        waitingForConnection.clear();
        if (!server.channel().isActive()) {
            lost(server);
        }
    }

    private void targetChanged() {
        if (closed || subscriptions.isEmpty()) {
            return;
        }
        ServerConnection c = connection;
        if (c != null) {
            if (!target.accepts(c.address()) || target.requirePrimary() && c.reportedHotStandby()) {
                log.info("{}: the listening connection {} is no longer where {} points; moving it", name, c, target);
                c.channel().close(); // lost() reopens it
            }
            return;
        }
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        open();
    }

    private void lost(ServerConnection server) {
        if (server != connection) {
            return;
        }
        deliverBatch();
        waitingForConnection.addAll(commands.takeWaiters());
        forgetConnection();
        if (closed || subscriptions.isEmpty()) {
            stop();
            return;
        }
        log.warn("{}: the listening connection {} was lost; reopening it (notifications sent until it listens "
                + "again are lost)", name, server);
        open();
    }

    /** The listening connection is gone: what it listened on and what it still owed go with it. */
    private void forgetConnection() {
        connection = null;
        commands.clear();
    }

    private void retryLater() {
        if (retry != null || closed) {
            return;
        }
        long delay = retryMillis;
        retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
        retry = loop.schedule(() -> {
            retry = null;
            if (!subscriptions.isEmpty()) {
                open();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void stop() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        if (stopWatchingTarget != null) {
            stopWatchingTarget.run();
            stopWatchingTarget = null;
        }
    }

    private void failWaiters(PgException cause) {
        failConnectionWaiters(cause);
        fail(commands.takeWaiters(), cause);
    }

    private void failConnectionWaiters(PgException cause) {
        fail(waitingForConnection, cause);
        waitingForConnection.clear();
    }

    /** Failed LISTENs leave no subscription behind (but one made before stays, as on a server). */
    private void fail(List<Waiter> waiters, PgException cause) {
        PgException error = new PgException(PgException.Severity.ERROR, cause.sqlState(),
                "could not LISTEN: " + cause.getMessage(), cause.detail(), cause.hint(), null);
        for (Waiter w : waiters) {
            if (!w.wasSubscribed() && subscriptions.remove(w.subscriber(), w.channel())) {
                nobodyListens(w.channel());
            }
            w.promise().tryFailure(error);
        }
    }

    // ---- the listening connection's messages ------------------------------------------------------

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void serverFrame(ServerConnection from, ByteBuf frame) {
        try {
            if (from != connection) {
                return;
            }
            switch (Frames.type(frame)) {
                case MessageType.NOTIFICATION_RESPONSE -> fanOut(frame);
                case MessageType.ERROR_RESPONSE -> {
                    ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
                    if (!commands.error(error)) {
                        log.info("{}: the listening connection {} reported: {} {}", name, from, error.sqlState(),
                                error.message());
                    }
                }
                case MessageType.READY_FOR_QUERY -> {
                    ChannelCommands.Answer<Waiter> done = commands.readyForQuery();
                    if (done != null) {
                        answered(done);
                    }
                }
                case MessageType.PARAMETER_STATUS -> {
                    ParameterStatus status = ParameterStatus.decode(Frames.body(frame));
                    from.parameter(status.name(), status.value());
                }
                default -> {
                }
            }
        } catch (PgException e) {
            log.warn("{}: the listening connection {} sent a malformed message: {}", name, from, e.getMessage());
            from.channel().close();
        } finally {
            frame.release();
        }
    }

    private void answered(ChannelCommands.Answer<Waiter> a) {
        ErrorResponse error = a.error();
        if (error == null) {
            a.waiters().forEach(w -> w.promise().trySuccess(null));
            return;
        }
        log.warn("{}: {} {} failed on {}: {} {}", name, a.listen() ? "LISTEN" : "UNLISTEN", a.channel(), connection,
                error.sqlState(), error.message());
        fail(a.waiters(), new PgException(PgException.Severity.ERROR, error.sqlState(), error.message(),
                error.detail(), error.hint(), null));
        closeIfUnused();
    }

    /** One notification: a duplicate of the frame (sharing its bytes) for each subscriber of its channel. */
    private void fanOut(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        Frames.readInt32(body); // the notifying backend's pid
        String channel = Frames.readCString(body);
        for (Subscriber s : subscriptions.subscribers(channel)) {
            batch.computeIfAbsent(s, k -> new ArrayList<>(4)).add(frame.retainedDuplicate());
        }
    }

    @Override
    public void serverReadComplete(ServerConnection from) {
        deliverBatch();
    }

    private void deliverBatch() {
        if (batch.isEmpty()) {
            return;
        }
        for (Map.Entry<Subscriber, List<ByteBuf>> e : batch.entrySet()) {
            Subscriber s = e.getKey();
            List<ByteBuf> frames = e.getValue();
            try {
                s.executor().execute(() -> s.notifications(frames));
            } catch (RejectedExecutionException x) {
                frames.forEach(ReferenceCountUtil::safeRelease);
            }
        }
        batch.clear();
    }

    @Override
    public void serverClosed(ServerConnection server, Throwable cause) {
        lost(server);
    }

    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("{}: loop stopped, dropping a LISTEN task", name);
        }
    }
}
