package io.pgrudder.core.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.NodeProbe;
import io.pgrudder.core.backend.ServerReset;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.notify.NotificationHub;
import io.pgrudder.core.pool.Waiters.Waiter;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of the server connections of one (pool, user) ({@link Pool} holds the
 * shares and says how they split pool_size). All of its state is confined to that loop
 * ({@link #loop}); every public method hops there, so there are no locks. Waiting clients are
 * served first in, first out ({@link Waiters}).
 *
 * <p>A server connection is opened with the startup parameters of the client that first needs
 * it, so that those parameters are the server session's own defaults ({@code RESET} returns to
 * them, as on a direct connection). An idle connection is therefore handed only to a client that
 * asks for the same parameters; when the pool is full of idle connections with other parameters,
 * one of them is closed to make room.
 *
 * <p>Where connections go is asked of a {@link ServerTarget} at connect time: the configured
 * primary, or the current Patroni leader. A connection remembers its address and is handed out
 * and reused only while the target still accepts it (and, for writes, while its server has never
 * reported being a standby). When the target changes, idle connections it no longer accepts are
 * closed at once and busy ones when they come back. While there is no usable target (no leader
 * known, or the leader refuses connections because it is changing role) waiters stay queued, up
 * to the target's wait limit, and connection attempts are retried after asking the target to look
 * again.
 */
final class PoolShare implements ServerPool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);


    private final PoolSettings settings;
    private final ServerTarget target;
    private final ServerConnector connector;
    /** Ends the target's change notifications: a closed or retired pool must not stay reachable from its source. */
    private final Runnable stopWatchingTarget;
    private final EventLoop loop;
    /** This share's part of pool_size and min_pool_size (the rest of it is {@link #settings}). */
    private final PoolSettings limits;
    /** The pool's other shares, for waiters this share cannot serve and connections it does not need. */
    private final Siblings siblings;
    /** Published at the end of every pool task (see {@link #onLoop}) for siblings on other loops. */
    private volatile int spareNow;
    private volatile int waitingNow;
    /** A waiter asked of a sibling and not arrived yet: one at a time. */
    private boolean pulling;

    private final StatementRegistry statements;
    /** The logged-in connections by state; the one way a connection moves is {@link #transition}. */
    private final ServerLists lists = new ServerLists();
    private final Waiters waiters;
    private final WaitersView waitersView = new WaitersView();
    /**
     * What a server reports (ParameterStatus) once a given set of client settings is applied, so a
     * transaction-mode client with settings seen before logs in without waiting for a server.
     * Read and written from client loops, hence concurrent; bounded.
     */
    private final Map<Map<String, String>, Map<String, String>> reportedParameters = new ConcurrentHashMap<>();
    private boolean closed;
    /** Pool code is running on the loop right now (see onLoop). */
    private boolean running;
    private ScheduledFuture<?> janitorRounds;
    /** idle_timeout, server_lifetime, min_pool_size: once a second. */
    private final PoolJanitor janitor;
    /** Opens connections, each for one waiter, and retries what is worth retrying. */
    private final ServerOpener opener;
    /** Admin PAUSE: checkouts queue (without a timeout) until RESUME. */
    private boolean paused;
    /** The target's {@link ServerTarget#spreadOver()} at the last change (confined to the loop). */
    private final SpreadBalance balance = new SpreadBalance();
    /** The one listening connection of this pool's clients (outside pool_size), opened at the first LISTEN; null in the other shares. */
    private final NotificationHub notifications;
    /** Set by {@link #retire}: checkouts and the successor's connections go there. */
    private volatile ServerPool successor;

    /**
     * @param settings   the pool's settings; {@code limits} says this share's part of pool_size and min_pool_size
     * @param loop       the one loop this share's state, timers and connections live on
     * @param statements the pool-wide statement names, shared by every share
     * @param withHub    whether this share runs the pool's LISTEN fan-out (one share per pool does)
     */
    PoolShare(PoolSettings settings, PoolSettings limits, ServerTarget target, ServerConnector connector, EventLoop loop,
              StatementRegistry statements, boolean withHub, Siblings siblings) {
        this.settings = settings;
        this.limits = limits;
        this.target = target;
        this.connector = connector;
        this.loop = loop;
        this.statements = statements;
        this.siblings = siblings;
        this.waiters = new Waiters(settings, target, loop, waitersView);
        this.opener = new ServerOpener(settings, target, connector, loop, new OpenerView());
        this.janitor = new PoolJanitor(limits, new JanitorView(), System::nanoTime);
        this.notifications = !withHub ? null : new NotificationHub(settings.toString(), target, connector, loop,
                address -> opener.login(address, Map.of("application_name", Pool.LISTENER_APPLICATION_NAME), target.requirePrimary()));
        loop.execute(() -> janitorRounds = loop.scheduleWithFixedDelay(() -> onLoop(() -> {
            janitor.round();
            takeFromSiblings();
        }), 1, 1, TimeUnit.SECONDS));
        stopWatchingTarget = target.onChange(() -> onLoop(this::targetChanged));
        // What siblings read before this share's first task: its room. Left at zero, a share no
        // client had used yet looked full, and a sibling's waiter waited beside it.
        publish();
    }

    @Override
    public PoolSettings settings() {
        return settings;
    }

    /** Where this pool's connections go. */
    @Override
    public ServerTarget target() {
        return target;
    }

    /**
     * The pool's LISTEN/NOTIFY fan-out. A retired pool keeps it for the clients subscribed to it
     * (their listening connection closes when the last one leaves); {@link #close} closes it.
     */
    @Override
    public NotificationHub notifications() {
        return notifications;
    }

    /** Pool-wide names of protocol-level prepared statements (transaction mode). */
    @Override
    public StatementRegistry statements() {
        return statements;
    }

    /**
     * Asks for a server connection with these startup parameters. The promise completes on its own
     * executor; a client that gives up cancels it, and a connection that arrives after that goes
     * back to the pool.
     */
    @Override
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
            Waiter waiter = waiters.newWaiter(startupParameters, preferred, promise);
            if (paused) {
                waiters.addPaused(waiter);
                return;
            }
            ServerConnection match = takeIdle(startupParameters, preferred);
            if (match != null) {
                handOut(match, waiter);
                return;
            }
            if (lists.idleCount() == 0 && size() >= limits.poolSize()) {
                // Nothing here soon: a sibling with an idle connection or room serves it instead;
                // failing that, one whose queue is shorter (each share serves its queue in turn,
                // so the waits stay even however the clients are spread over the loops).
                PoolShare other = siblings.withSpare(this);
                if (other == null) {
                    other = siblings.shorterQueue(this, waiters.size());
                }
                if (other != null) {
                    other.adopt(waiter, false);
                    return;
                }
                waiters.add(waiter);
                // A sibling that let a connection go while this share looked saw nobody waiting
                // here, as this share saw nothing spare there: each publishes before it looks at
                // the other, so one of the two sees the other's news and the waiter is not left
                // waiting beside an idle connection.
                publish();
                other = siblings.withSpare(this);
                if (other != null) {
                    // There, on its loop: the same look at its siblings as after any release.
                    PoolShare free = other;
                    free.onLoop(free::takeFromSiblings);
                }
                return;
            }
            waiters.add(waiter);
            grow();
        });
    }

    /**
     * A waiter a sibling could not serve, keeping the time it has waited: served here, or queued
     * ({@code front}: the sibling's oldest, taken by this share; else at the back). Never passed on
     * again, so a waiter moves at most once per request to move it.
     */
    void adopt(Waiter waiter, boolean front) {
        onLoop(() -> {
            pulling = false;
            if (waiter.promise.isDone()) {
                return;
            }
            if (successor != null || closed || paused) {
                ServerPool to = successor;
                if (to != null) {
                    to.checkout(waiter.startupParameters, waiter.preferred, waiter.promise);
                } else if (closed) {
                    waiter.promise.tryFailure(PgException.fatal(SqlState.ADMIN_SHUTDOWN, settings + " is closed"));
                } else {
                    waiters.addPaused(waiter);
                }
                return;
            }
            ServerConnection match = takeIdle(waiter.startupParameters, waiter.preferred);
            if (match != null) {
                handOut(match, waiter);
                return;
            }
            if (front) {
                waiters.addMoved(waiter);
            } else {
                waiters.add(waiter);
            }
            grow();
        });
    }

    /** A sibling with an idle connection asks for the waiter at the front of this share's queue. */
    void sendWaiterTo(PoolShare other) {
        onLoop(() -> {
            Waiter w = paused ? null : waiters.takeFirstLive();
            if (w != null) {
                other.adopt(w, true);
            } else {
                other.onLoop(() -> other.pulling = false);
            }
        });
    }

    /** Whether a sibling could serve one more waiter now: idle connections, or room to open one. */
    int spare() {
        return spareNow;
    }

    /** How many clients wait here, as last published. */
    int waiting() {
        return waitingNow;
    }

    /**
     * Gives back a connection a client held. The plan says whether its state is known; a known one
     * is cleaned as the plan says (ROLLBACK first when a transaction is open) and reused.
     */
    @Override
    public void release(ServerConnection server, ReleasePlan plan) {
        // The last owner may have stopped reading it while its own client could not take more
        // (transaction mode lets go at ReadyForQuery without restoring it): the reset, the janitor
        // and the next owner all need the server read, so every way back into the pool restores it.
        server.setAutoRead(true);
        onLoop(() -> {
            if (successor != null && !lists.isBusy(server)) {
                successor.release(server, plan);
                return;
            }
            if (!plan.reuse() || closed || !usable(server) || expired(server)) {
                close(server);
                return;
            }
            if (plan.cleanup().isEmpty() && server.transactionStatus() == ReadyForQuery.IDLE) {
                toIdle(server);
                return;
            }
            transition(server, ServerState.RESETTING);
            ServerReset.start(server, plan.cleanup(), settings.resetTimeout(), clean -> onLoop(() -> {
                if (clean && !closed && usable(server)) {
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
        serveWaiters();
    }

    /**
     * Whether the server at {@code address} still takes new connections (see {@link NodeProbe}):
     * one login with this pool's credentials and no client settings, on {@code on}.
     */
    @Override
    public Future<Boolean> acceptsConnections(ServerAddress address, EventLoop on) {
        return NodeProbe.acceptsConnections(connector, on, opener.login(address, Map.of(), false));
    }

    /**
     * Closes every connection and fails every waiter; the pool cannot be used afterwards. The
     * future completes when every server connection's socket is closed.
     */
    public Future<Void> close() {
        Promise<Void> done = loop.newPromise();
        stopWatchingTarget.run();
        if (notifications != null) {
            notifications.close();
        }
        onLoop(() -> {
            closed = true;
            if (janitorRounds != null) {
                janitorRounds.cancel(false);
            }
            opener.cancelRetry();
            waiters.failAll(PgException.fatal(SqlState.ADMIN_SHUTDOWN, settings + " is closing"));
            List<ServerConnection> all = lists.all();
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
    public void retire(ServerPool next) {
        stopWatchingTarget.run();
        onLoop(() -> {
            successor = next;
            closed = true;
            if (janitorRounds != null) {
                janitorRounds.cancel(false);
            }
            for (Waiter w : waiters.takeAll()) {
                if (next != null) {
                    next.checkout(w.startupParameters, w.preferred, w.promise);
                } else {
                    w.promise.tryFailure(PgException.fatal(SqlState.ADMIN_SHUTDOWN, settings + " was removed by a reload"));
                }
            }
            lists.idleInOrder(true).forEach(this::close);
        });
    }

    /** Admin PAUSE/RESUME: while paused, checkouts wait and idle connections are closed. */
    public void paused(boolean pause) {
        onLoop(() -> {
            paused = pause;
            if (pause) {
                lists.idleInOrder(true).forEach(this::close);
            } else {
                waiters.resumed();
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
            List<ServerConnection> all = lists.all();
            p.trySuccess(all);
        });
        return p;
    }

    /** The ParameterStatus set a server reported for these client settings, or null if never seen. */
    @Override
    public Map<String, String> reportedParameters(Map<String, String> clientSettings) {
        return reportedParameters.get(clientSettings);
    }

    @Override
    public void reportedParameters(Map<String, String> clientSettings, Map<String, String> reported) {
        if (reportedParameters.size() >= 1024) {
            reportedParameters.clear();
        }
        reportedParameters.put(clientSettings, Map.copyOf(reported));
    }

    /** A point-in-time view of the pool, taken on its loop. */
    public Future<PoolStats> stats() {
        Promise<PoolStats> p = loop.newPromise();
        onLoop(() -> p.trySuccess(new PoolStats(lists.idleCount(), lists.busyCount(), opener.connecting(), waiters.size())));
        return p;
    }

    /**
     * Hands a connection to a waiter; one idle longer than healthcheck_delay is first tested with
     * an empty query (healthcheck_timeout) and closed if it fails, the waiter then served by another.
     */
    private void handOut(ServerConnection server, Waiter waiter) {
        if (System.nanoTime() - server.lastUsedNanos() <= settings.healthcheckDelay().toNanos()) {
            handOutTested(server, waiter);
            return;
        }
        transition(server, ServerState.RESETTING);
        ServerReset.start(server, List.of(";"), settings.healthcheckTimeout(), healthy -> onLoop(() -> {
            if (healthy && !closed && usable(server)) {
                handOutTested(server, waiter);
                return;
            }
            log.info("{}: {} failed its health check, closing it", settings, server);
            close(server);
            if (!waiter.promise.isDone() && !closed) {
                waiters.addFirst(waiter);
                serveWaiters();
            }
        }));
    }

    private void handOutTested(ServerConnection server, Waiter waiter) {
        transition(server, ServerState.ACTIVE);
        server.touch();
        if (!waiter.promise.trySuccess(server)) {
            // The client went away meanwhile: the connection is untouched, keep it.
            lists.transition(server, ServerState.IDLE, true);
            loop.execute(() -> onLoop(this::serveWaiters));
        }
    }

    /**
     * An idle connection opened with these startup parameters, preferring one on the client's own
     * event loop (then client and server share a thread and relaying needs no hand-over).
     */
    private ServerConnection takeIdle(Map<String, String> startupParameters, EventLoop preferred) {
        ServerConnection fallback = null;
        ServerConnection found = null;
        List<ServerConnection> dead = null;
        // server_round_robin (pgcat's default): the longest idle first; otherwise the most recent.
        for (Iterator<ServerConnection> it = lists.idleIterator(settings.serverRoundRobin()); it.hasNext(); ) {
            ServerConnection server = it.next();
            if (!usable(server)) {
                if (dead == null) {
                    dead = new ArrayList<>(2);
                }
                dead.add(server);
                continue;
            }
            Map<String, String> opened = server.startupParameters();
            if (opened == startupParameters || opened.isEmpty() && startupParameters.isEmpty()
                    || opened.equals(startupParameters)) {
                if (server.channel().eventLoop() == preferred) {
                    found = server;
                    break;
                }
                if (fallback == null) {
                    fallback = server;
                }
            }
        }
        if (dead != null) {
            dead.forEach(this::close);
        }
        // Still IDLE and on the idle list: the caller hands it out, which moves it.
        return found != null ? found : fallback;
    }

    /** Opens connections for waiters while there is room; makes room by closing mismatched idle ones. */
    private void grow() {
        if (opener.retrying() || closed) {
            return;
        }
        if (!target.known()) {
            // No leader known: waiters wait; targetChanged() calls back here when one appears.
            return;
        }
        while (opener.connecting() < waiters.size()) {
            if (size() >= limits.poolSize()) {
                // Full: close one idle connection that fits nobody waiting, and open the new one only
                // when its backend is gone (closedByPeer calls back here), so pool_size is never exceeded.
                if (lists.noneClosing() && lists.idleCount() > 0) {
                    close(lists.longestIdle());
                }
                return;
            }
            Waiter waiter = waiters.get(opener.connecting());
            // Asked per connection: a target that spreads (replicas) gives each the next server in turn.
            Optional<ServerAddress> to = target.address();
            if (to.isEmpty()) {
                return;
            }
            // On this share's loop, whoever asked: a share's connections all live on its loop.
            open(to.get(), waiter.startupParameters, loop);
        }
    }

    private void open(ServerAddress address, Map<String, String> startupParameters, EventLoop on) {
        opener.open(address, startupParameters, on);
    }

    /** A connection the opener logged in: watched for its close, then idle (or closed if unusable now). */
    private void opened(ServerConnection server) {
        server.channel().closeFuture().addListener(c -> onLoop(() -> closedByPeer(server)));
        log.debug("{}: opened {}", settings, server);
        if (closed || !usable(server)) {
            close(server);
            serveWaiters();
            return;
        }
        transition(server, ServerState.IDLE);
        serveWaiters();
    }

    /** The target may have changed: drop idle connections it no longer takes, then serve waiters. */
    private void targetChanged() {
        if (closed) {
            return;
        }
        opener.cancelRetry();
        if (!target.waitLimit().isZero() && !target.known()) {
            waiters.targetUnavailable(); // no leader now: whoever waits, waits for one
        }
        for (ServerConnection server : lists.idleInOrder(true)) {
            if (!usable(server)) {
                log.info("{}: closing idle {}: no longer {}", settings, server, target);
                close(server);
            }
        }
        rebalance();
        serveWaiters();
    }

    /**
     * When a server joins the ones the target spreads connections over (a replica healthy again
     * after a noloadbalance tag or lag) and one of them holds fewer than its share of this pool's
     * connections, closes idle connections to servers holding more than their share; new
     * connections then go round the servers again. Busy connections are left alone. Only on a
     * join: topology snapshots come with every lag change, and round robin need not even out.
     */
    private void rebalance() {
        List<ServerAddress> spread = target.spreadOver();
        for (ServerConnection server : balance.toClose(spread, lists.idle(), lists.busy(), ServerConnection::address)) {
            log.info("{}: closing idle {}: more than its server's share of connections over {} servers", settings,
                    server, spread.size());
            close(server);
        }
    }

    /**
     * May this connection be handed out or reused: open, still where the target points, and,
     * when the target needs a primary, never reported to be a standby.
     */
    private boolean usable(ServerConnection server) {
        return server.channel().isActive() && target.accepts(server.address())
                && !(target.requirePrimary() && server.reportedHotStandby());
    }

    private void serveWaiters() {
        if (paused) {
            return;
        }
        waiters.serve(waitersView);
        grow();
        takeFromSiblings();
    }

    /**
     * With nobody waiting here, a waiter of a sibling this share can serve. Also run once a
     * second with the janitor, so a waiter that a race between two shares' decisions left queued
     * beside a free connection waits that long at most.
     */
    private void takeFromSiblings() {
        if (!waiters.isEmpty() || pulling || closed || paused || successor != null) {
            return;
        }
        publish(); // before looking at the siblings: see checkout
        // Idle here while a sibling's clients wait: take the oldest of them. With room but no idle
        // connection, only from a sibling that can neither hand out nor open one (full, or waiting
        // out a failed connect): its waiter would otherwise wait for connect_timeout while this
        // share could open a connection for it.
        PoolShare other = null;
        if (lists.idleCount() > 0) {
            other = siblings.withWaiters(this);
        } else if (size() < limits.poolSize() && target.known() && !opener.retrying()) {
            other = siblings.stuck(this);
        }
        if (other != null) {
            pulling = true;
            other.sendWaiterTo(this);
        }
    }

    private boolean expired(ServerConnection server) {
        return janitor.expired(server);
    }

    private void closedByPeer(ServerConnection server) {
        if (server.state() != ServerState.CLOSED) {
            transition(server, ServerState.CLOSED);
            serveWaiters();
        }
    }

    private void close(ServerConnection server) {
        if (server.state() != ServerState.CLOSED && server.state() != ServerState.CLOSING) {
            transition(server, ServerState.CLOSING);
            server.channel().close();
        }
    }

    private int size() {
        return lists.size() + opener.connecting();
    }

    /** The one place a server connection changes state, and with it the pool's list it is on. */
    private void transition(ServerConnection server, ServerState next) {
        log.trace("{}: {} {} -> {}", settings, server, server.state(), next);
        lists.transition(server, next);
    }

    /**
     * Runs pool code on the pool's loop. Never re-entrant: completing a checkout promise runs the
     * client's listener inline when it shares this loop, and that listener may release or check out
     * again; such nested calls are queued behind the current one.
     */
    private void onLoop(Runnable task) {
        if (loop.inEventLoop() && !running) {
            running = true;
            try {
                task.run();
            } finally {
                running = false;
                publish();
            }
            return;
        }
        try {
            loop.execute(() -> onLoop(task));
        } catch (RejectedExecutionException e) {
            // The process is stopping and the loop is gone; so are the connections it held.
            log.debug("{}: loop stopped, dropping a pool task", settings);
        }
    }

    /** What siblings on other loops read of this share: updated once per pool task. */
    private void publish() {
        boolean serving = !closed && !paused && successor == null && target.known() && !opener.retrying();
        int spare = serving ? lists.idleCount() + Math.max(0, limits.poolSize() - size()) : 0;
        if (spare != spareNow) {
            spareNow = spare;
        }
        int waiting = waiters.size();
        if (waiting != waitingNow) {
            waitingNow = waiting;
        }
    }

    /** The pool as its {@link PoolJanitor} sees it. */
    private final class JanitorView implements PoolJanitor.Owner {
        @Override
        public ServerLists lists() {
            return lists;
        }

        @Override
        public int size() {
            return PoolShare.this.size();
        }

        @Override
        public boolean usable(ServerConnection server) {
            return PoolShare.this.usable(server);
        }

        @Override
        public void close(ServerConnection server) {
            PoolShare.this.close(server);
        }

        @Override
        public boolean mayOpen() {
            return !closed && !opener.retrying() && opener.lastConnectFailure() == null;
        }

        @Override
        public boolean openSpare() {
            Optional<ServerAddress> to = target.address();
            to.ifPresent(address -> open(address, Map.of(), loop));
            return to.isPresent();
        }
    }

    /** The pool as its {@link ServerOpener} sees it. */
    private final class OpenerView implements ServerOpener.Owner {
        @Override
        public void onLoop(Runnable task) {
            PoolShare.this.onLoop(task);
        }

        @Override
        public boolean closed() {
            return closed;
        }

        @Override
        public void opened(ServerConnection server) {
            PoolShare.this.opened(server);
        }

        @Override
        public void failed(Map<String, String> startupParameters, PgException cause) {
            // The first waiter that asked for these parameters learns why; the others keep waiting.
            waiters.failFirstAsking(startupParameters, cause);
            grow();
        }

        @Override
        public void retryNow() {
            serveWaiters();
        }

        @Override
        public void targetUnavailable() {
            waiters.targetUnavailable();
        }

        @Override
        public boolean anyWaiting() {
            return !waiters.isEmpty();
        }
    }

    /** The pool as its {@link Waiters} see it: its loop, why connections are not coming, its idle list. */
    private final class WaitersView implements Waiters.Owner, Waiters.Idle {
        @Override
        public void onLoop(Runnable task) {
            PoolShare.this.onLoop(task);
        }

        @Override
        public PgException targetTrouble() {
            return opener.targetTrouble();
        }

        @Override
        public PgException lastConnectFailure() {
            return opener.lastConnectFailure();
        }

        @Override
        public void gaveUp() {
            grow();
        }

        @Override
        public int pinnedServers() {
            int n = 0;
            for (ServerConnection s : lists.busy()) {
                if (s.pinned()) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public boolean isEmpty() {
            return lists.idleCount() == 0;
        }

        @Override
        public boolean handTo(Waiter waiter) {
            ServerConnection match = takeIdle(waiter.startupParameters, waiter.preferred);
            if (match == null) {
                return false;
            }
            handOut(match, waiter);
            return true;
        }
    }
}
