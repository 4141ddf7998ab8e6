package io.pgrudder.core.pool;

import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.auth.PassThroughSecrets;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.routing.RoutingRules;
import io.pgrudder.core.topology.TopologySource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The pools of users that only auth_query knows (not in {@code [pools.X.users]}): made when such a
 * user has logged in (so only roles the server confirmed and whose password the client knew get
 * one), with the pool's settings and {@code auth_query_pool_size}, at most
 * {@code auth_query_max_users} per pool. They live across reloads like the config's pools: a
 * (pool, user) whose settings did not change keeps its pool and connections, a changed one is
 * retired in favour of a new one, and one whose pool lost its auth_query (or that the config now
 * lists) is retired with no successor.
 *
 * <p>Thread-safe without locks: an entry is swapped by compare-and-set, and whoever loses a race
 * closes the pools it built. Each entry remembers the config snapshot it was built for; a lookup
 * under a newer snapshot brings it up to date first, so a login racing a reload never gets a
 * pool with stale settings.
 */
public final class DiscoveredPools {
    private static final Logger log = LoggerFactory.getLogger(DiscoveredPools.class);

    private record Key(String database, String user) {
    }

    /** One user's pools, for one config snapshot. */
    private record Entry(PoolerConfig config, List<Pool> pools, PoolRoutes routes) {
    }

    private final ServerConnector connector;
    private final EventLoopGroup loops;
    private final Function<PoolConfig, TopologySource> topology;
    private final PassThroughSecrets passThrough;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private volatile java.util.function.Predicate<String> databasePaused = db -> false;

    public DiscoveredPools(ServerConnector connector, EventLoopGroup loops, Function<PoolConfig, TopologySource> topology,
                           PassThroughSecrets passThrough) {
        this.connector = connector;
        this.loops = loops;
        this.topology = topology;
        this.passThrough = passThrough;
    }

    /**
     * The pools of {@code user} in {@code database} under {@code config}, made if need be; empty
     * when the pool already serves {@code auth_query_max_users} such users (or has no auth_query).
     */
    public Optional<PoolRoutes> routes(PoolerConfig config, String database, String user) {
        Key key = new Key(database, user);
        while (true) {
            Entry current = entries.get(key);
            if (current != null && current.config() == config) {
                return Optional.of(current.routes());
            }
            PoolConfig pool = config.pools().get(database);
            if (pool == null || !applies(pool, user)) {
                return Optional.empty();
            }
            if (current == null && count(database) >= pool.authQueryMaxUsers()) {
                return Optional.empty();
            }
            Entry next = build(config, pool, user, current);
            boolean won = current == null ? entries.putIfAbsent(key, next) == null : entries.replace(key, current, next);
            if (won) {
                handOver(current, next);
                if (current == null) {
                    log.info("pool {}: made a pool for user {}, whom auth_query knows ({} such users now)", database,
                            user, count(database));
                }
                return Optional.of(next.routes());
            }
            if (current == null || next.pools() != current.pools()) {
                next.pools().forEach(Pool::close);
            }
        }
    }

    /** After a reload (or RECONNECT) swapped in {@code config}: every entry is brought up to date or retired. */
    public void configChanged(PoolerConfig config) {
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            Entry current = e.getValue();
            if (current.config() == config) {
                continue;
            }
            PoolConfig pool = config.pools().get(e.getKey().database());
            if (pool == null || !applies(pool, e.getKey().user())) {
                if (entries.remove(e.getKey(), current)) {
                    current.pools().forEach(p -> p.retire(null));
                    passThrough.remove(e.getKey().database(), e.getKey().user());
                    log.info("pool {}: user {}'s auth_query pool removed: the pool no longer serves it through"
                            + " auth_query", e.getKey().database(), e.getKey().user());
                }
                continue;
            }
            routes(config, e.getKey().database(), e.getKey().user());
        }
    }

    /**
     * Admin RECONNECT/KILL: each user whose pools are among {@code which} gets fresh ones with the
     * same settings, as the config's users do. Returns the old ones, already retired into their
     * successors (idle connections close now, busy ones when released), for KILL to close and
     * WAIT_CLOSE to wait for.
     */
    public List<Pool> reconnect(java.util.Collection<Pool> which) {
        List<Pool> old = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            Entry current = e.getValue();
            PoolConfig pool = current.config().pools().get(e.getKey().database());
            if (pool == null || current.pools().stream().noneMatch(which::contains)) {
                continue;
            }
            Entry next = build(current.config(), pool, e.getKey().user(), null);
            if (entries.replace(e.getKey(), current, next)) {
                handOver(current, next);
                old.addAll(current.pools());
            } else {
                next.pools().forEach(Pool::close); // a reload or a login changed it meanwhile: theirs stands
            }
        }
        return old;
    }

    /** Every discovered user's pools now, for SHOW and the metrics. */
    public Map<Pools.PoolKey, Pool> byKey() {
        Map<Pools.PoolKey, Pool> out = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            for (Pool p : e.pools()) {
                out.put(Pools.PoolKey.of(p.settings()), p);
            }
        }
        return out;
    }

    /** Tells whether a database is paused (all its configured pools are), for pools made while it is. */
    public void databasePaused(java.util.function.Predicate<String> paused) {
        this.databasePaused = java.util.Objects.requireNonNull(paused, "paused");
    }

    /** Closes every pool (shutdown). */
    public List<io.netty.util.concurrent.Future<Void>> close() {
        List<io.netty.util.concurrent.Future<Void>> closing = new ArrayList<>();
        for (Entry e : entries.values()) {
            e.pools().forEach(p -> closing.add(p.close()));
        }
        entries.clear();
        return closing;
    }

    /** A user gets a discovered pool when the pool runs an auth_query and the config does not list it. */
    private static boolean applies(PoolConfig pool, String user) {
        return pool.authQueryConfigured() && pool.user(user).isEmpty();
    }

    private int count(String database) {
        int n = 0;
        for (Key k : entries.keySet()) {
            if (k.database().equals(database)) {
                n++;
            }
        }
        return n;
    }

    /** The entry for {@code config}: {@code current}'s pools when their settings did not change, new ones otherwise. */
    private Entry build(PoolerConfig config, PoolConfig pool, String user, Entry current) {
        ServerTls tls = ServerTls.from(config.general());
        List<PoolSettings> settings = Pools.settingsOf(config, pool, pool.authQueryUser(user), tls,
                passThrough.forUser(pool.name(), user));
        RoutingRules rules = RoutingRules.of(pool);
        if (current != null && settings.equals(current.pools().stream().map(Pool::settings).toList())) {
            return new Entry(config, current.pools(), new PoolRoutes(current.routes().primary(),
                    current.routes().replicas(), rules, pool.shards().size()));
        }
        TopologySource source = pool.patroni().usePatroniApi() ? topology.apply(pool) : null;
        List<Pool> pools = new ArrayList<>();
        boolean paused = databasePaused.test(pool.name());
        for (PoolSettings s : settings) {
            Pool p = new Pool(s, Pools.target(config, pool, s, source), connector, loops);
            if (paused) {
                p.paused(true); // a user's first login during PAUSE db waits like the others
            }
            pools.add(p);
        }
        return new Entry(config, List.copyOf(pools), new PoolRoutes(pools.get(0), pools.size() > 1 ? pools.get(1) : null,
                rules, pool.shards().size()));
    }

    /** The swap happened: pools {@code next} does not keep are retired into its own. */
    private static void handOver(Entry current, Entry next) {
        if (current == null || current.pools() == next.pools()) {
            return;
        }
        for (int i = 0; i < current.pools().size(); i++) {
            current.pools().get(i).retire(i < next.pools().size() ? next.pools().get(i) : null);
        }
    }
}
