package io.pgrudder.core.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerLogin;
import io.pgrudder.core.backend.ServerReset;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The server connections of one (pool, user). All of its state is confined to one event loop
 * ({@link #loop}); every public method hops there, so there are no locks. Waiting clients are
 * served first in, first out.
 *
 * <p>A server connection is opened with the startup parameters of the client that first needs
 * it, so that those parameters are the server session's own defaults ({@code RESET} returns to
 * them, as on a direct connection). An idle connection is therefore handed only to a client that
 * asks for the same parameters; when the pool is full of idle connections with other parameters,
 * one of them is closed to make room.
 */
public final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);

    private final PoolSettings settings;
    private final ServerConnector connector;
    private final EventLoopGroup serverLoops;
    private final EventLoop loop;

    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    private final Set<ServerConnection> active = new HashSet<>();
    /** Told to close, socket not closed yet: the backend still counts against pool_size. */
    private final Set<ServerConnection> closing = new HashSet<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /**
     * What a server reports (ParameterStatus) once a given set of client settings is applied, so a
     * transaction-mode client with settings seen before logs in without waiting for a server.
     * Read and written from client loops, hence concurrent; bounded.
     */
    private final Map<Map<String, String>, Map<String, String>> reportedParameters = new ConcurrentHashMap<>();
    /** Connections being opened, each for one waiter. */
    private int connecting;
    private boolean closed;
    private ScheduledFuture<?> janitor;
    /** Admin PAUSE: checkouts queue (without a timeout) until RESUME. */
    private boolean paused;
    /** Set by {@link #retire}: checkouts and the successor's connections go there. */
    private volatile Pool successor;

    public Pool(PoolSettings settings, ServerConnector connector, EventLoopGroup serverLoops) {
        this.settings = settings;
        this.connector = connector;
        this.serverLoops = serverLoops;
        this.loop = serverLoops.next();
        loop.execute(() -> janitor = loop.scheduleWithFixedDelay(this::maintain, 1, 1, TimeUnit.SECONDS));
    }

    public PoolSettings settings() {
        return settings;
    }

    /**
     * Asks for a server connection with these startup parameters. The promise completes on its own
     * executor; a client that gives up cancels it, and a connection that arrives after that goes
     * back to the pool.
     */
    public void checkout(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise) {
        onLoop(() -> {
            if (successor != null) {
                successor.checkout(startupParameters, preferred, promise);
                return;
            }
            if (closed) {
                promise.tryFailure(PgException.fatal(SqlState.ADMIN_SHUTDOWN, settings + " is closed"));
                return;
            }
            Waiter waiter = new Waiter(startupParameters, preferred, promise);
            if (paused) {
                waiters.add(waiter);
                return;
            }
            ServerConnection match = takeIdle(startupParameters, preferred);
            if (match != null) {
                handOut(match, waiter);
                return;
            }
            waiters.add(waiter);
            long millis = settings.connectTimeout().toMillis();
            waiter.timeout = loop.schedule(() -> expire(waiter), millis, TimeUnit.MILLISECONDS);
            promise.addListener(f -> {
                if (f.isCancelled()) {
                    onLoop(() -> waiters.remove(waiter));
                }
            });
            grow();
        });
    }

    /**
     * Gives back a connection a client held. The plan says whether its state is known; a known one
     * is cleaned as the plan says (ROLLBACK first when a transaction is open) and reused.
     */
    public void release(ServerConnection server, ReleasePlan plan) {
        onLoop(() -> {
            if (successor != null && !active.contains(server)) {
                successor.release(server, plan);
                return;
            }
            active.remove(server);
            if (!plan.reuse() || closed || !server.channel().isActive() || expired(server)) {
                close(server);
                return;
            }
            if (plan.cleanup().isEmpty() && server.transactionStatus() == ReadyForQuery.IDLE) {
                toIdle(server);
                return;
            }
            transition(server, ServerState.RESETTING);
            active.add(server);
            ServerReset.start(server, plan.cleanup(), settings.resetTimeout(), clean -> onLoop(() -> {
                active.remove(server);
                if (clean && !closed) {
                    toIdle(server);
                } else {
                    close(server);
                }
            }));
        });
    }

    private void toIdle(ServerConnection server) {
        server.touch();
        transition(server, ServerState.IDLE);
        idle.addLast(server);
        serveWaiters();
    }

    /**
     * Closes every connection and fails every waiter; the pool cannot be used afterwards. The
     * future completes when every server connection's socket is closed.
     */
    public Future<Void> close() {
        Promise<Void> done = loop.newPromise();
        onLoop(() -> {
            closed = true;
            if (janitor != null) {
                janitor.cancel(false);
            }
            for (Waiter w : new ArrayList<>(waiters)) {
                fail(w, PgException.fatal(SqlState.ADMIN_SHUTDOWN, settings + " is closing"));
            }
            List<ServerConnection> all = new ArrayList<>(idle);
            all.addAll(active);
            all.forEach(this::close);
            PromiseCombiner combiner = new PromiseCombiner(loop);
            all.forEach(server -> combiner.add(server.channel().closeFuture()));
            combiner.finish(done);
        });
        return done;
    }

    /**
     * Reload, RECONNECT: hands this pool over to {@code next} (null: the pool was removed). Idle
     * connections close now, busy ones when their client gives them back; waiting clients and
     * new checkouts go to {@code next} (or fail when there is none).
     */
    public void retire(Pool next) {
        onLoop(() -> {
            successor = next;
            closed = true;
            if (janitor != null) {
                janitor.cancel(false);
            }
            for (Waiter w : new ArrayList<>(waiters)) {
                waiters.remove(w);
                w.cancelTimeout();
                if (next != null) {
                    next.checkout(w.startupParameters, w.preferred, w.promise);
                } else {
                    w.promise.tryFailure(PgException.fatal(SqlState.ADMIN_SHUTDOWN, settings + " was removed by a reload"));
                }
            }
            new ArrayList<>(idle).forEach(this::close);
        });
    }

    /** Admin PAUSE/RESUME: while paused, checkouts wait and idle connections are closed. */
    public void paused(boolean pause) {
        onLoop(() -> {
            paused = pause;
            if (pause) {
                new ArrayList<>(idle).forEach(this::close);
            } else {
                serveWaiters();
            }
        });
    }

    public Future<Boolean> isPaused() {
        Promise<Boolean> p = loop.newPromise();
        onLoop(() -> p.trySuccess(paused));
        return p;
    }

    /** Every server connection this pool holds (idle, busy, being reset or closed), taken on its loop. */
    public Future<List<ServerConnection>> servers() {
        Promise<List<ServerConnection>> p = loop.newPromise();
        onLoop(() -> {
            List<ServerConnection> all = new ArrayList<>(idle);
            all.addAll(active);
            all.addAll(closing);
            p.trySuccess(all);
        });
        return p;
    }

    /** The ParameterStatus set a server reported for these client settings, or null if never seen. */
    public Map<String, String> reportedParameters(Map<String, String> clientSettings) {
        return reportedParameters.get(clientSettings);
    }

    public void reportedParameters(Map<String, String> clientSettings, Map<String, String> reported) {
        if (reportedParameters.size() >= 1024) {
            reportedParameters.clear();
        }
        reportedParameters.put(clientSettings, Map.copyOf(reported));
    }

    /** A point-in-time view of the pool, taken on its loop. */
    public Future<PoolStats> stats() {
        Promise<PoolStats> p = loop.newPromise();
        onLoop(() -> p.trySuccess(new PoolStats(idle.size(), active.size(), connecting, waiters.size())));
        return p;
    }

    private void handOut(ServerConnection server, Waiter waiter) {
        waiter.cancelTimeout();
        transition(server, ServerState.ACTIVE);
        active.add(server);
        server.touch();
        if (!waiter.promise.trySuccess(server)) {
            // The client went away meanwhile: the connection is untouched, keep it.
            active.remove(server);
            transition(server, ServerState.IDLE);
            idle.addFirst(server);
            loop.execute(this::serveWaiters);
        }
    }

    /**
     * An idle connection opened with these startup parameters, preferring one on the client's own
     * event loop (then client and server share a thread and relaying needs no hand-over).
     */
    private ServerConnection takeIdle(Map<String, String> startupParameters, EventLoop preferred) {
        ServerConnection fallback = null;
        for (Iterator<ServerConnection> it = idle.iterator(); it.hasNext(); ) {
            ServerConnection server = it.next();
            if (!server.channel().isActive()) {
                it.remove();
                close(server);
                continue;
            }
            if (server.startupParameters().equals(startupParameters)) {
                if (server.channel().eventLoop() == preferred) {
                    it.remove();
                    return server;
                }
                if (fallback == null) {
                    fallback = server;
                }
            }
        }
        if (fallback != null) {
            idle.remove(fallback);
        }
        return fallback;
    }

    /** Opens connections for waiters while there is room; makes room by closing mismatched idle ones. */
    private void grow() {
        waiters.removeIf(w -> w.promise.isDone());
        while (connecting < waiters.size()) {
            if (size() >= settings.poolSize()) {
                // Full: close one idle connection that fits nobody waiting, and open the new one only
                // when its backend is gone (closedByPeer calls back here), so pool_size is never exceeded.
                if (closing.isEmpty() && !idle.isEmpty()) {
                    close(idle.peekFirst());
                }
                return;
            }
            Waiter waiter = nthWaiter(connecting);
            open(waiter.startupParameters, waiter.preferred);
        }
    }

    private Waiter nthWaiter(int n) {
        Iterator<Waiter> it = waiters.iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next();
    }

    private void open(Map<String, String> startupParameters, EventLoop on) {
        connecting++;
        ServerLogin login = new ServerLogin(settings.address(), settings.database(), settings.serverUsername(),
                settings.serverPassword(), startupParameters, settings.connectTimeout());
        connector.connect(on, login).addListener((Future<ServerConnection> f) -> onLoop(() -> {
            connecting--;
            if (!f.isSuccess()) {
                connectFailed(startupParameters, f.cause() instanceof PgException pg ? pg
                        : PgException.fatal(SqlState.CONNECTION_FAILURE, String.valueOf(f.cause())));
                return;
            }
            ServerConnection server = f.getNow();
            server.channel().closeFuture().addListener(c -> onLoop(() -> closedByPeer(server)));
            log.debug("{}: opened {}", settings, server);
            if (closed || !server.channel().isActive()) {
                close(server);
                serveWaiters();
                return;
            }
            transition(server, ServerState.IDLE);
            idle.addLast(server);
            serveWaiters();
        }));
    }

    private void connectFailed(Map<String, String> startupParameters, PgException cause) {
        log.warn("{}: {}", settings, cause.getMessage());
        // The first waiter that asked for these parameters learns why; the others keep waiting.
        for (Waiter w : waiters) {
            if (w.startupParameters.equals(startupParameters)) {
                fail(w, cause);
                break;
            }
        }
        grow();
    }

    private void serveWaiters() {
        if (paused) {
            return;
        }
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (waiter.promise.isDone()) {
                it.remove();
                continue;
            }
            ServerConnection match = takeIdle(waiter.startupParameters, waiter.preferred);
            if (match != null) {
                it.remove();
                handOut(match, waiter);
            }
        }
        grow();
    }

    private void expire(Waiter waiter) {
        if (waiters.contains(waiter)) {
            fail(waiter, PgException.fatal(SqlState.TOO_MANY_CONNECTIONS,
                    "no server connection for " + settings + " became free within connect_timeout ("
                            + settings.connectTimeout().toMillis() + " ms); all " + settings.poolSize()
                            + " connections of pool_size are in use"));
            grow();
        }
    }

    private void fail(Waiter waiter, PgException cause) {
        waiters.remove(waiter);
        waiter.cancelTimeout();
        waiter.promise.tryFailure(cause);
    }

    private void maintain() {
        long now = System.nanoTime();
        long idleLimit = settings.idleTimeout().toNanos();
        for (Iterator<ServerConnection> it = idle.iterator(); it.hasNext(); ) {
            ServerConnection server = it.next();
            boolean tooIdle = idleLimit > 0 && now - server.lastUsedNanos() > idleLimit
                    && size() > settings.minPoolSize();
            if (tooIdle || expired(server) || !server.channel().isActive()) {
                it.remove();
                close(server);
            }
        }
    }

    private boolean expired(ServerConnection server) {
        long lifetime = settings.serverLifetime().toNanos();
        return lifetime > 0 && System.nanoTime() - server.createdNanos() > lifetime;
    }

    private void closedByPeer(ServerConnection server) {
        if (server.state() != ServerState.CLOSED) {
            idle.remove(server);
            active.remove(server);
            closing.remove(server);
            transition(server, ServerState.CLOSED);
            serveWaiters();
        }
    }

    private void close(ServerConnection server) {
        idle.remove(server);
        if (server.state() != ServerState.CLOSED && server.state() != ServerState.CLOSING) {
            transition(server, ServerState.CLOSING);
            active.remove(server);
            closing.add(server);
            server.channel().close();
        }
    }

    private int size() {
        return idle.size() + active.size() + closing.size() + connecting;
    }

    /** The one place a server connection changes state. */
    private void transition(ServerConnection server, ServerState next) {
        log.trace("{}: {} {} -> {}", settings, server, server.state(), next);
        server.setState(next);
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // The process is stopping and the loop is gone; so are the connections it held.
            log.debug("{}: loop stopped, dropping a pool task", settings);
        }
    }

    private static final class Waiter {
        final Map<String, String> startupParameters;
        final EventLoop preferred;
        final Promise<ServerConnection> promise;
        ScheduledFuture<?> timeout;

        Waiter(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise) {
            this.startupParameters = startupParameters;
            this.preferred = preferred;
            this.promise = promise;
        }

        void cancelTimeout() {
            if (timeout != null) {
                timeout.cancel(false);
            }
        }
    }
}
