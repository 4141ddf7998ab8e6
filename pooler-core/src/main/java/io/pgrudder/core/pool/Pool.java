package io.pgrudder.core.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.notify.NotificationHub;
import io.pgrudder.core.routing.FixedServer;
import io.pgrudder.core.routing.ServerTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The server connections of one (pool, user), split into one {@link PoolShare} per event loop so
 * that a client checks out, relays and releases on its own thread: no task hops to another loop
 * and no wakeup in a transaction's path. Each share has its part of pool_size and min_pool_size
 * (together exactly the configured numbers) and opens its connections on its loop.
 *
 * <p>The split must not turn into "a client waits while a connection is idle on another loop",
 * nor into one loop's clients waiting longer than another's: a share that has no idle connection
 * and no room passes a new waiter to the sibling with the most to spare, or else to one whose
 * queue is shorter by more than a quarter of its own (and at least two); a share with an idle
 * connection and nobody waiting takes the oldest waiter of the sibling with the most waiting, and
 * one with room takes it from a sibling that has nothing to spare (see {@link Siblings}). A waiter moves
 * with the time it has already waited, at most once per such request.
 *
 * <p>A pool too small to give every loop two connections has fewer shares (at least one); the
 * clients of a loop without a share then use a share on another loop, as every client did
 * before the split.
 */
public final class Pool implements ServerPool {
    /** Set by {@link #paused(boolean)}; the shares hold the state that acts. */
    private volatile boolean paused;
    /** The application_name of a pool's listening connection, as pg_stat_activity shows it. */
    public static final String LISTENER_APPLICATION_NAME = "pgrudder listener";

    private final PoolSettings settings;
    private final ServerTarget target;
    private final StatementRegistry statements = new StatementRegistry();
    private final PoolShare[] shares;
    private final EventLoop[] loops;

    /** A pool whose connections go to the configured {@code settings.address()}. */
    public Pool(PoolSettings settings, ServerConnector connector, EventLoopGroup serverLoops) {
        this(settings, new FixedServer(settings.address()), connector, serverLoops);
    }

    public Pool(PoolSettings settings, ServerTarget target, ServerConnector connector, EventLoopGroup serverLoops) {
        this.settings = settings;
        this.target = target;
        int n = shareCount(settings.poolSize(), loopCount(serverLoops));
        this.shares = new PoolShare[n];
        this.loops = new EventLoop[n];
        Siblings siblings = n == 1 ? Siblings.NONE : new ShareSiblings();
        for (int i = 0; i < n; i++) {
            // next(): consecutive calls give distinct loops, and pools with fewer shares than loops spread out.
            loops[i] = (EventLoop) serverLoops.next();
            PoolSettings limits = settings.forShare(part(settings.poolSize(), n, i), part(settings.minPoolSize(), n, i));
            shares[i] = new PoolShare(settings, limits, target, connector, loops[i], statements, i == 0, siblings);
        }
    }

    /** One share per loop while each gets at least two connections; at least one share. */
    static int shareCount(int poolSize, int loops) {
        return Math.max(1, Math.min(loops, poolSize / 2));
    }

    /** Share {@code i}'s part of {@code total} split over {@code n}: the first ones get the remainder. */
    static int part(int total, int n, int i) {
        return total / n + (i < total % n ? 1 : 0);
    }

    private static int loopCount(EventLoopGroup group) {
        int n = 0;
        for (EventExecutor ignored : group) {
            n++;
        }
        return n;
    }

    /** The share of a client (or server connection) on {@code loop}. */
    private PoolShare shareOf(EventLoop loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) {
                return shares[i];
            }
        }
        // A loop without a share (a small pool, the admin loop, a test's loop): a stable choice.
        return shares[Math.floorMod(System.identityHashCode(loop), shares.length)];
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

    /** The pool's LISTEN/NOTIFY fan-out (run by its first share); see {@link PoolShare#notifications()}. */
    @Override
    public NotificationHub notifications() {
        return shares[0].notifications();
    }

    /** Pool-wide names of protocol-level prepared statements (transaction mode), one registry for every share. */
    @Override
    public StatementRegistry statements() {
        return statements;
    }

    /**
     * Asks for a server connection with these startup parameters, from the share of the client's
     * loop. The promise completes on its own executor; a client that gives up cancels it, and a
     * connection that arrives after that goes back to the pool.
     */
    @Override
    public void checkout(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise) {
        shareOf(preferred).checkout(startupParameters, preferred, promise);
    }

    /** Gives a connection back to the share it belongs to: the one on its loop. */
    @Override
    public void release(ServerConnection server, ReleasePlan plan) {
        shareOf(server.channel().eventLoop()).release(server, plan);
    }

    @Override
    public Future<Boolean> acceptsConnections(ServerAddress address, EventLoop on) {
        return shareOf(on).acceptsConnections(address, on);
    }

    @Override
    public Map<String, String> reportedParameters(Map<String, String> clientSettings) {
        return shares[0].reportedParameters(clientSettings);
    }

    @Override
    public void reportedParameters(Map<String, String> clientSettings, Map<String, String> reported) {
        shares[0].reportedParameters(clientSettings, reported);
    }

    /**
     * Closes every connection and fails every waiter; the pool cannot be used afterwards. The
     * future completes when every server connection's socket is closed.
     */
    public Future<Void> close() {
        return combine(PoolShare::close, (a, b) -> null);
    }

    /**
     * Reload, RECONNECT: hands this pool over to {@code next} (null: the pool was removed). Idle
     * connections close now, busy ones when their client gives them back; waiting clients and
     * new checkouts go to {@code next} (or fail when there is none).
     */
    public void retire(Pool next) {
        if (next != null && paused) {
            next.paused(true); // a PAUSE outlives the RELOAD or RECONNECT that replaced the pool
        }
        for (PoolShare share : shares) {
            share.retire(next);
        }
    }

    /** Admin PAUSE/RESUME: while paused, checkouts wait and idle connections are closed. */
    public void paused(boolean pause) {
        paused = pause;
        for (PoolShare share : shares) {
            share.paused(pause);
        }
    }

    /** Whether the last PAUSE/RESUME paused it (what a pool that replaces it, or joins its database, takes on). */
    public boolean pausedNow() {
        return paused;
    }

    public Future<Boolean> isPaused() {
        return shares[0].isPaused();
    }

    /** Every server connection this pool holds (idle, busy, being reset or closed), each taken on its share's loop. */
    public Future<List<ServerConnection>> servers() {
        return combine(PoolShare::servers, (a, b) -> {
            List<ServerConnection> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        });
    }

    /** The pool's counts: the sum of its shares', each taken on its loop. */
    public Future<PoolStats> stats() {
        return combine(PoolShare::stats, (a, b) -> new PoolStats(a.idle() + b.idle(), a.active() + b.active(),
                a.connecting() + b.connecting(), a.waiting() + b.waiting()));
    }

    /** How many shares the pool runs (one per loop unless it is small). */
    public int shareCount() {
        return shares.length;
    }

    /** Asks every share, completes with the answers folded left to right, or with the first failure. */
    private <T> Future<T> combine(Function<PoolShare, Future<T>> ask, BiFunction<T, T, T> fold) {
        Promise<T> done = loops[0].newPromise();
        List<Future<T>> answers = new ArrayList<>(shares.length);
        for (PoolShare share : shares) {
            answers.add(ask.apply(share));
        }
        collect(answers, 0, null, fold, done);
        return done;
    }

    private static <T> void collect(List<Future<T>> answers, int i, T sofar, BiFunction<T, T, T> fold, Promise<T> done) {
        if (i == answers.size()) {
            done.trySuccess(sofar);
            return;
        }
        answers.get(i).addListener(f -> {
            if (!f.isSuccess()) {
                done.tryFailure(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            T value = (T) f.getNow();
            collect(answers, i + 1, i == 0 ? value : fold.apply(sofar, value), fold, done);
        });
    }

    /** The shares as each of them sees the others: by what they last published. */
    private final class ShareSiblings implements Siblings {
        @Override
        public PoolShare withSpare(PoolShare asking) {
            PoolShare best = null;
            int most = 0;
            for (PoolShare share : shares) {
                int spare = share.spare();
                if (share != asking && spare > most) {
                    best = share;
                    most = spare;
                }
            }
            return best;
        }

        @Override
        public PoolShare withWaiters(PoolShare asking) {
            PoolShare best = null;
            int most = 0;
            for (PoolShare share : shares) {
                int waiting = share.waiting();
                if (share != asking && waiting > most) {
                    best = share;
                    most = waiting;
                }
            }
            return best;
        }

        @Override
        public PoolShare stuck(PoolShare asking) {
            PoolShare best = null;
            int most = 0;
            for (PoolShare share : shares) {
                int waiting = share.waiting();
                if (share != asking && share.spare() == 0 && waiting > most) {
                    best = share;
                    most = waiting;
                }
            }
            return best;
        }

        @Override
        public PoolShare shorterQueue(PoolShare asking, int waiting) {
            PoolShare best = null;
            int fewest = waiting - Siblings.margin(waiting);
            for (PoolShare share : shares) {
                int theirs = share.waiting();
                if (share != asking && theirs < fewest) {
                    best = share;
                    fewest = theirs;
                }
            }
            return best;
        }
    }
}
