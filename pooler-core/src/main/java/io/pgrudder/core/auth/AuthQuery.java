package io.pgrudder.core.auth;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.routing.ServerTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Looks up users' secrets with their pool's auth_query: one {@link AuthQueryConnection} per pool,
 * a cache of answers, and one lookup at a time per (pool, user) however many clients log in as it
 * at once.
 *
 * <p>The cache keeps a found secret for the pool's {@code auth_query_cache_ttl} and "no such
 * user / no password" for at most {@link #NEGATIVE_TTL} of it (so a flood of made-up names costs
 * the server one query per name, not one per attempt, while a role created a moment later is seen
 * soon); a query that could not run is not cached. It holds at most {@link #MAX_ENTRIES}; past
 * that, expired entries go, and while it is still full new answers are not kept. A reload
 * ({@link #configChanged}) empties it, and a pool whose auth_query settings changed gets a new
 * connection on its next lookup.
 *
 * <p>Thread-safe: called from every client event loop.
 */
public final class AuthQuery {
    private static final Logger log = LoggerFactory.getLogger(AuthQuery.class);
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);
    static final int MAX_ENTRIES = 10_000;

    /**
     * @param generation how many reloads came before the lookup began: a lookup running across a
     *                   reload answers its own clients, but no lookup begun after it, and what it
     *                   caches no later lookup finds
     */
    private record Key(AuthQuerySettings settings, String username, long generation) {
    }

    private record Entry(AuthQueryResult result, long expiresNanos) {
    }

    private final ServerConnector connector;
    private final EventLoopGroup loops;
    private final LongSupplier nanoTime;
    private final Map<String, AuthQueryConnection> connections = new ConcurrentHashMap<>();
    private final Map<Key, Entry> cache = new ConcurrentHashMap<>();
    private final Map<Key, Future<AuthQueryResult>> running = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    public AuthQuery(ServerConnector connector, EventLoopGroup loops) {
        this(connector, loops, System::nanoTime);
    }

    AuthQuery(ServerConnector connector, EventLoopGroup loops, LongSupplier nanoTime) {
        this.connector = connector;
        this.loops = loops;
        this.nanoTime = nanoTime;
    }

    /**
     * The secret of {@code username} by the pool's auth_query: from the cache, else from the
     * query. The future never fails; it may complete on another thread than the caller's.
     *
     * @param target where the pool's connections go now (its server, or the Patroni leader)
     */
    public Future<AuthQueryResult> lookup(AuthQuerySettings settings, ServerTarget target, String username) {
        Key key = new Key(settings, username, generation.get());
        Entry cached = cache.get(key);
        long now = nanoTime.getAsLong();
        if (cached != null) {
            if (now - cached.expiresNanos() < 0) {
                return loops.next().newSucceededFuture(cached.result());
            }
            cache.remove(key, cached);
        }
        Promise<AuthQueryResult> mine = loops.next().newPromise();
        Future<AuthQueryResult> theirs = running.putIfAbsent(key, mine);
        if (theirs != null) {
            return theirs;
        }
        connection(settings, target).lookup(username).addListener((Future<AuthQueryResult> f) -> {
            AuthQueryResult result = f.getNow();
            remember(key, result);
            running.remove(key, mine);
            mine.trySuccess(result);
        });
        return mine;
    }

    private AuthQueryConnection connection(AuthQuerySettings settings, ServerTarget target) {
        AuthQueryConnection existing = connections.get(settings.poolName());
        if (existing != null && existing.settings().equals(settings)) {
            return existing;
        }
        AuthQueryConnection fresh = new AuthQueryConnection(settings, target, connector, loops.next());
        boolean swapped = existing == null ? connections.putIfAbsent(settings.poolName(), fresh) == null
                : connections.replace(settings.poolName(), existing, fresh);
        if (!swapped) {
            return connection(settings, target);
        }
        if (existing != null) {
            log.info("pool {}: auth_query settings changed; its auth_query connection is replaced", settings.poolName());
            existing.close();
        }
        return fresh;
    }

    private void remember(Key key, AuthQueryResult result) {
        if (!result.definite() || key.generation() != generation.get()) {
            return;
        }
        Duration ttl = key.settings().cacheTtl();
        if (!result.found() && ttl.compareTo(NEGATIVE_TTL) > 0) {
            ttl = NEGATIVE_TTL;
        }
        if (ttl.isZero() || ttl.isNegative()) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (cache.size() >= MAX_ENTRIES) {
            cache.values().removeIf(e -> now - e.expiresNanos() >= 0);
            if (cache.size() >= MAX_ENTRIES) {
                return;
            }
        }
        cache.put(key, new Entry(result, now + ttl.toNanos()));
    }

    /** How many answers are cached now (expired ones not yet dropped included). */
    public int cached() {
        return cache.size();
    }

    /**
     * A reload or RELOAD: forget every cached answer (a changed password counts at the next
     * login), including those of lookups still running, which were read before it; and close the
     * connections of pools that no longer run an auth_query.
     *
     * @param stillConfigured the names of pools that have an auth_query in the new config
     */
    public void configChanged(java.util.Set<String> stillConfigured) {
        generation.incrementAndGet();
        cache.clear();
        connections.entrySet().removeIf(e -> {
            if (stillConfigured.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    /** Closes every auth_query connection. */
    public void close() {
        connections.values().forEach(AuthQueryConnection::close);
        connections.clear();
        cache.clear();
    }

}
