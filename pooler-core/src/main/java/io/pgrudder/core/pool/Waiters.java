package io.pgrudder.core.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The clients of one {@link Pool} waiting for a server connection: served first in, first out,
 * each failed when its time is up. Part of the pool's state and confined to the pool's loop like
 * the rest of it: every method is called from pool code, and the timer comes in through the pool's
 * own non-reentrant {@link Owner#onLoop}. Times are the loop's {@link EventLoop#ticker() ticker}.
 *
 * <p>A waiter's limit is {@code connect_timeout}, unless it is waiting for a target rather than
 * for a free connection (no leader known, or the leader refusing connections while it changes
 * role): then it is the target's {@link ServerTarget#waitLimit() wait limit}
 * ({@code leader_wait_timeout}), which may be longer or shorter. A waiter that waited for the
 * target and then sees it come back gets {@code connect_timeout} more to be served.
 */
final class Waiters {
    /** How often the waiters whose time may be up are looked at. */
    static final long SWEEP_MILLIS = 20;

    /** The pool as its waiters see it. */
    interface Owner {
        /** Runs pool code on the pool's loop, never re-entrantly ({@code Pool.onLoop}). */
        void onLoop(Runnable task);

        /** The last retryable failure to reach the target (a node changing role); null when none. */
        PgException targetTrouble();

        /** The last transient connect failure (a server restarting); null once a connection opened. */
        PgException lastConnectFailure();

        /** A waiter's time ran out and it left the queue. */
        void gaveUp();

        /** Connections held between transactions by clients their session state pins (transaction mode). */
        default int pinnedServers() {
            return 0;
        }
    }

    /** The pool's idle connections, as serving waiters sees them. */
    interface Idle {
        boolean isEmpty();

        /**
         * Hands this waiter an idle connection opened with its startup parameters; false when none
         * fits. It must not add or remove waiters on the spot (pool code nested in it is queued
         * behind the running task by {@code Pool.onLoop}).
         */
        boolean handTo(Waiter waiter);
    }

    private final PoolSettings settings;
    private final ServerTarget target;
    private final EventLoop loop;
    private final Owner owner;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    /**
     * One timer per pool, not one per waiter: while anyone waits, every SWEEP_MILLIS the waiters
     * whose time may be up are looked at (scheduling and cancelling a timer per checkout cost a
     * quarter of the pooler's CPU at 1,000 waiting clients).
     */
    private ScheduledFuture<?> sweeper;

    Waiters(PoolSettings settings, ServerTarget target, EventLoop loop, Owner owner) {
        this.settings = settings;
        this.target = target;
        this.loop = loop;
        this.owner = owner;
    }

    /** A client asking for a connection, not queued yet; its wait starts now. */
    Waiter newWaiter(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise) {
        return new Waiter(startupParameters, preferred, promise, now());
    }

    /**
     * Queues a waiter at the back until {@code connect_timeout}, or the target's wait limit when
     * that is shorter (expiry extends it when the wait turns out to be for the target). A waiter
     * whose client gives up (cancels) leaves the queue.
     */
    void add(Waiter waiter) {
        queue.add(waiter);
        watch(waiter);
    }

    /** A waiter another share of the pool queued first: at the front, its time counted from when it asked. */
    void addMoved(Waiter waiter) {
        queue.addFirst(waiter);
        watch(waiter);
    }

    /** The first waiter whose client still waits, taken off the queue; null when none. */
    Waiter takeFirstLive() {
        Waiter w;
        while ((w = queue.poll()) != null) {
            if (!w.promise.isDone()) {
                return w;
            }
        }
        return null;
    }

    private void watch(Waiter waiter) {
        if (!target.waitLimit().isZero() && (!target.known() || owner.targetTrouble() != null)) {
            waiter.waitedForTarget = true;
        }
        long millis = settings.connectTimeout().toMillis();
        if (!target.waitLimit().isZero()) {
            millis = Math.min(millis, target.waitLimit().toMillis());
        }
        waiter.checkAtNanos = waiter.sinceNanos + TimeUnit.MILLISECONDS.toNanos(millis);
        ensureSweep();
        waiter.promise.addListener(f -> {
            if (f.isCancelled()) {
                owner.onLoop(() -> queue.remove(waiter));
            }
        });
    }

    /**
     * The target is unusable now (no leader, or it refuses while changing role): everyone queued
     * is waiting for it, not for a free connection, even if it is back before their time is
     * looked at — a switchover shorter than connect_timeout must not end in 53300.
     */
    void targetUnavailable() {
        for (Waiter w : queue) {
            w.waitedForTarget = true;
        }
    }

    /** Admin PAUSE: queues a waiter at the back with no time limit until {@link #resumed}. */
    void addPaused(Waiter waiter) {
        waiter.checkAtNanos = waiter.sinceNanos + Long.MAX_VALUE / 2;
        queue.add(waiter);
    }

    /** A waiter whose connection failed its health check goes back to the front. */
    void addFirst(Waiter waiter) {
        queue.addFirst(waiter);
        ensureSweep();
    }

    /** RESUME: whoever waited through the pause gets a fresh connect_timeout from now. */
    void resumed() {
        long now = now();
        for (Waiter w : queue) {
            w.sinceNanos = now;
            w.checkAtNanos = now + settings.connectTimeout().toNanos();
        }
        if (!queue.isEmpty()) {
            ensureSweep();
        }
    }

    int size() {
        return queue.size();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** The waiter at position {@code n}, counted from the front (0). */
    Waiter get(int n) {
        Iterator<Waiter> it = queue.iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next();
    }

    /** Empties the queue; the waiters are the caller's to serve elsewhere or fail. */
    List<Waiter> takeAll() {
        List<Waiter> all = new ArrayList<>(queue);
        queue.clear();
        return all;
    }

    /** Fails every waiter. */
    void failAll(PgException cause) {
        for (Waiter w : new ArrayList<>(queue)) {
            fail(w, cause);
        }
    }

    /** A connection opened for these parameters failed: the first waiter that asked for them learns why. */
    void failFirstAsking(Map<String, String> startupParameters, PgException cause) {
        for (Waiter w : queue) {
            if (w.startupParameters.equals(startupParameters)) {
                fail(w, cause);
                break;
            }
        }
    }

    /**
     * Hands idle connections to waiters, first in, first out; a waiter no idle connection fits
     * keeps its place. Clients that gave up are dropped on the way.
     */
    void serve(Idle idle) {
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
            if (idle.isEmpty()) {
                break; // nothing to hand out: walking a thousand waiters per release is the cost to avoid
            }
            Waiter waiter = it.next();
            if (waiter.promise.isDone()) {
                it.remove();
                continue;
            }
            if (idle.handTo(waiter)) {
                it.remove();
            }
        }
    }

    private void ensureSweep() {
        if (sweeper == null) {
            sweeper = loop.scheduleWithFixedDelay(() -> owner.onLoop(this::sweep), SWEEP_MILLIS, SWEEP_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        long now = now();
        List<Waiter> due = null;
        for (Waiter w : queue) {
            if (w.checkAtNanos - now <= 0) {
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(w);
            }
        }
        if (due != null) {
            for (Waiter w : due) {
                if (!w.promise.isDone()) {
                    expire(w);
                } else {
                    queue.remove(w);
                }
            }
        }
        if (queue.isEmpty() && sweeper != null) {
            sweeper.cancel(false);
            sweeper = null;
        }
    }

    /** A waiter's time may be up (see the class comment for which limit applies). */
    private void expire(Waiter waiter) {
        PgException targetTrouble = owner.targetTrouble();
        boolean waitingForTarget = !target.waitLimit().isZero()
                && (!target.known() || targetTrouble != null);
        long limit = (waitingForTarget ? target.waitLimit() : settings.connectTimeout()).toNanos();
        if (waitingForTarget) {
            waiter.waitedForTarget = true;
        } else if (waiter.waitedForTarget) {
            // The leader came back while this waiter waited: it gets connect_timeout more to be served.
            limit += target.waitLimit().toNanos();
        }
        long left = limit - (now() - waiter.sinceNanos);
        if (left > 0) {
            waiter.checkAtNanos = now() + left;
            return;
        }
        PgException lastConnectFailure = owner.lastConnectFailure();
        if (waitingForTarget) {
            fail(waiter, target.unavailable(targetTrouble));
        } else if (lastConnectFailure != null) {
            fail(waiter, lastConnectFailure);
        } else {
            fail(waiter, PgException.fatal(SqlState.TOO_MANY_CONNECTIONS,
                    "no server connection for " + settings + " became free within connect_timeout ("
                            + settings.connectTimeout().toMillis() + " ms); all " + settings.poolSize()
                            + " connections of pool_size are in use" + pinnedNote(owner.pinnedServers())));
        }
        owner.gaveUp();
    }

    /** Said in the 53300 when pinned clients hold connections: the fix is in the app, or pool_size. */
    private static String pinnedNote(int pinned) {
        return pinned == 0 ? "" : " (" + pinned + " held between transactions by clients pinned by session state: "
                + "temporary tables, WITH HOLD cursors, advisory locks, PREPARE or LISTEN; see SHOW CLIENTS, column pinned)";
    }

    private void fail(Waiter waiter, PgException cause) {
        queue.remove(waiter);
        waiter.promise.tryFailure(cause);
    }

    private long now() {
        return loop.ticker().nanoTime();
    }

    /** One client waiting for a server connection opened with its startup parameters. */
    static final class Waiter {
        final Map<String, String> startupParameters;
        /** The client's own loop: a connection there is preferred, and a new one is opened there. */
        final EventLoop preferred;
        final Promise<ServerConnection> promise;
        private long sinceNanos;
        private boolean waitedForTarget;
        /** When the sweep next looks at whether this waiter's time is up. */
        private long checkAtNanos;

        private Waiter(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise,
                       long sinceNanos) {
            this.startupParameters = startupParameters;
            this.preferred = preferred;
            this.promise = promise;
            this.sinceNanos = sinceNanos;
        }
    }
}
