package io.pgrudder.core.pool;

import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.auth.PassThroughSecret;
import io.pgrudder.core.auth.PassThroughSecrets;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.config.UserConfig;
import io.pgrudder.core.config.DefaultRole;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.routing.RoutingRules;
import io.pgrudder.core.routing.ClusterLeader;
import io.pgrudder.core.routing.ClusterReplicas;
import io.pgrudder.core.routing.FixedReplicas;
import io.pgrudder.core.routing.FixedServer;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.core.topology.TopologySource;

import io.netty.util.concurrent.Future;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The pools of one config snapshot, keyed by (database clients use, user). Immutable map.
 *
 * <p>Each (database, user) has a pool for the primary and, when reads can go elsewhere, one for
 * the replicas (see {@link PoolRoutes}).
 *
 * <p>A pool with {@code use_patroni_api} gets one {@link TopologySource} (from the factory the
 * server wiring passes in; core knows no Patroni), shared by its users' pools, which send their
 * connections to its leader. Sources belong to whoever passed the factory (the Pooler keeps one per
 * cluster across reloads); pools do not close them.
 */
public final class Pools {
    /** For cores without a topology source: a pool with use_patroni_api cannot be served. */
    public static final Function<PoolConfig, TopologySource> NO_TOPOLOGY = pool -> {
        throw new IllegalStateException("pool " + pool.name() + " has use_patroni_api = true but this pooler was "
                + "built without a Patroni topology source");
    };

    private final PoolerConfig config;
    private final Map<PoolKey, Pool> pools;

    private Pools(PoolerConfig config, Map<PoolKey, Pool> pools) {
        this.config = config;
        this.pools = pools;
    }

    public static Pools create(PoolerConfig config, ServerConnector connector, EventLoopGroup serverLoops) {
        return create(config, connector, serverLoops, NO_TOPOLOGY);
    }

    /**
     * @param topology makes (and starts) the topology source of a pool with {@code use_patroni_api};
     *                 called once per such pool
     */
    public static Pools create(PoolerConfig config, ServerConnector connector, EventLoopGroup serverLoops,
                               Function<PoolConfig, TopologySource> topology) {
        return create(config, connector, serverLoops, topology, new PassThroughSecrets());
    }

    /**
     * @param passThrough the pass-through secrets of users whose server password is not plaintext
     *                    (kept across reloads by the caller, so unchanged pools compare equal)
     */
    public static Pools create(PoolerConfig config, ServerConnector connector, EventLoopGroup serverLoops,
                               Function<PoolConfig, TopologySource> topology, PassThroughSecrets passThrough) {
        Map<PoolKey, Pool> pools = new LinkedHashMap<>();
        ServerTls serverTls = ServerTls.from(config.general());
        try {
            for (PoolConfig pool : config.pools().values()) {
                TopologySource source = pool.patroni().usePatroniApi() ? topology.apply(pool) : null;
                for (UserConfig user : pool.users().values()) {
                    PassThroughSecret secret = needsPassThrough(pool, user) ? passThrough.forUser(pool.name(), user.username()) : null;
                    for (PoolSettings settings : settingsOf(config, pool, user, serverTls, secret)) {
                        pools.put(PoolKey.of(settings), new Pool(settings, target(config, pool, settings, source),
                                connector, serverLoops));
                    }
                }
            }
        } catch (RuntimeException e) {
            pools.values().forEach(Pool::close);
            throw e;
        }
        return new Pools(config, Map.copyOf(pools));
    }

    /**
     * A user of the config logs in to the server without a plaintext password: none (auth_query
     * finds its secret) or a SCRAM secret (only a client's SCRAM login yields what answers it).
     */
    static boolean needsPassThrough(PoolConfig pool, UserConfig user) {
        if (user.authType() == io.pgrudder.core.config.AuthType.TRUST && user.serverPassword() == null) {
            return false;
        }
        return user.serverPassword() == null ? pool.authQueryConfigured()
                : io.pgrudder.protocol.auth.ScramSecret.looksLikeScramSecret(user.serverPassword());
    }

    /** The settings of one user's pools: the primary's, then the replicas' when the pool has any. */
    static List<PoolSettings> settingsOf(PoolerConfig config, PoolConfig pool, UserConfig user, ServerTls serverTls,
                                         PassThroughSecret passThrough) {
        PoolSettings settings = PoolSettings.from(config.general(), pool, user, serverTls, passThrough);
        if (!hasReplicas(pool)) {
            return List.of(settings);
        }
        return List.of(settings, settings.forReplicas(replicaAddress(pool),
                pool.defaultRole() == DefaultRole.REPLICA ? settings.minPoolSize() : 0));
    }

    /** Where a pool with these settings sends its connections. */
    static ServerTarget target(PoolerConfig config, PoolConfig pool, PoolSettings settings, TopologySource source) {
        if (settings.address().role() == Role.REPLICA) {
            return source == null ? new FixedReplicas(pool.shards().get(0).servers(), config.general().banTime())
                    : new ClusterReplicas(source, pool.patroni().leaderWaitTimeout(), pool.patroni().maxReplicaLag());
        }
        return primaryTarget(pool, settings.address(), source);
    }

    /**
     * Where the pool's writes go: its configured primary (the first server when none is marked),
     * or the Patroni leader. The auth_query connection goes there too.
     */
    public static ServerTarget primaryTarget(PoolConfig pool, TopologySource source) {
        return primaryTarget(pool, PoolSettings.primaryAddress(pool), source);
    }

    private static ServerTarget primaryTarget(PoolConfig pool, ServerAddress address, TopologySource source) {
        return source == null ? new FixedServer(address) : new ClusterLeader(source, pool.patroni().leaderWaitTimeout());
    }

    /**
     * A pool gets a second, replica pool per user when reads can go anywhere but the primary: it
     * follows Patroni (whose replicas come and go), or its {@code servers} list a replica.
     */
    private static boolean hasReplicas(PoolConfig pool) {
        return pool.patroni().usePatroniApi()
                || pool.shards().get(0).servers().stream().anyMatch(s -> s.role() == Role.REPLICA);
    }

    /** What SHOW and the metrics name a replica pool by: its first listed replica (Patroni: its first server). */
    private static ServerAddress replicaAddress(PoolConfig pool) {
        List<ServerAddress> servers = pool.shards().get(0).servers();
        ServerAddress a = servers.stream().filter(s -> s.role() == Role.REPLICA).findFirst().orElse(servers.get(0));
        return new ServerAddress(a.host(), a.port(), Role.REPLICA);
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

    /** The (database, user)'s primary pool. */
    public Optional<Pool> find(String database, String user) {
        return Optional.ofNullable(pools.get(new PoolKey(database, user, Role.PRIMARY)));
    }

    /** The (database, user)'s pools and the rules for choosing between them. */
    public Optional<PoolRoutes> routes(String database, String user) {
        Pool primary = pools.get(new PoolKey(database, user, Role.PRIMARY));
        PoolConfig pool = config.pools().get(database);
        if (primary == null || pool == null) {
            return Optional.empty();
        }
        return Optional.of(new PoolRoutes(primary, pools.get(new PoolKey(database, user, Role.REPLICA)),
                RoutingRules.of(pool), pool.shards().size()));
    }

    /** The pool's config when clients may connect to {@code database}. */
    public Optional<PoolConfig> database(String database) {
        return Optional.ofNullable(config.pools().get(database));
    }

    public Collection<Pool> all() {
        return pools.values();
    }

    /** Closes every pool; waits up to {@code timeout} for the server connections to close. */
    public void close(java.time.Duration timeout) {
        List<Future<Void>> closing = pools.values().stream().map(Pool::close).toList();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<Void> f : closing) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** A pool: its database and user, and whether it is the primary's or the replicas'. */
    public record PoolKey(String database, String user, Role role) {
        public static PoolKey of(PoolSettings settings) {
            return new PoolKey(settings.poolName(), settings.user().username(), settings.address().role());
        }
    }
}
