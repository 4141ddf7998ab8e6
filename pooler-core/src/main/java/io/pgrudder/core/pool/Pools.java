package io.pgrudder.core.pool;

import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.config.UserConfig;

import io.netty.util.concurrent.Future;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The pools of one config snapshot, keyed by (database clients use, user). Immutable map. */
public final class Pools {
    private final PoolerConfig config;
    private final Map<PoolKey, Pool> pools;

    private Pools(PoolerConfig config, Map<PoolKey, Pool> pools) {
        this.config = config;
        this.pools = pools;
    }

    public static Pools create(PoolerConfig config, ServerConnector connector, EventLoopGroup serverLoops) {
        Map<PoolKey, Pool> pools = new LinkedHashMap<>();
        for (PoolConfig pool : config.pools().values()) {
            for (UserConfig user : pool.users().values()) {
                PoolSettings settings = PoolSettings.from(config.general(), pool, user);
                pools.put(new PoolKey(pool.name(), user.username()), new Pool(settings, connector, serverLoops));
            }
        }
        return new Pools(config, Map.copyOf(pools));
    }

    /** A snapshot of existing pools (reload keeps the unchanged ones). */
    public static Pools of(PoolerConfig config, Map<PoolKey, Pool> pools) {
        return new Pools(config, Map.copyOf(pools));
    }

    public Map<PoolKey, Pool> byKey() {
        return pools;
    }

    public PoolerConfig config() {
        return config;
    }

    public Optional<Pool> find(String database, String user) {
        return Optional.ofNullable(pools.get(new PoolKey(database, user)));
    }

    /** The pool's config when clients may connect to {@code database}. */
    public Optional<PoolConfig> database(String database) {
        return Optional.ofNullable(config.pools().get(database));
    }

    public Collection<Pool> all() {
        return pools.values();
    }

    /** Closes every pool; waits up to {@code timeout} for their server connections to close. */
    public void close(java.time.Duration timeout) {
        List<Future<Void>> closing = pools.values().stream().map(Pool::close).toList();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<Void> f : closing) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    public record PoolKey(String database, String user) {
    }
}
