package io.pgrudder.core;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgrudder.core.auth.AuthQuery;
import io.pgrudder.core.auth.AuthQueryResult;
import io.pgrudder.core.auth.AuthQuerySettings;
import io.pgrudder.core.auth.PassThroughSecrets;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.pool.DiscoveredPools;
import io.pgrudder.core.client.CancelForwarder;
import io.pgrudder.core.client.CancelRegistry;
import io.pgrudder.core.client.ClientConnections;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PatroniSettings;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.pool.Pools;
import io.pgrudder.core.topology.TopologySource;

import io.pgrudder.protocol.auth.ScramSecret;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.function.Function;

/**
 * The running pooler's shared state: the current config snapshot and its pools (swapped as a
 * whole), the cancel-key registry, and the event loops server connections live on.
 */
public final class Pooler {
    /** Every failed login waits this long before its error, whether the user exists or not. */
    public static final Duration AUTH_FAILURE_DELAY = Duration.ofMillis(200);

    private final EventLoopGroup loops;
    private final ServerConnector connector;
    private final CancelRegistry cancels = new CancelRegistry();
    private final ClientConnections clientConnections = new ClientConnections();
    private final CancelForwarder cancelForwarder;
    private final SslContext clientTls;
    private final byte[] mockNonceKey = new byte[32];
    private volatile Pools pools;
    private final io.pgrudder.core.stats.Stats stats = new io.pgrudder.core.stats.Stats();
    /** SCRAM secrets of users with plaintext passwords in the config, derived once (PBKDF2 is slow). */
    private final Map<String, Optional<ScramSecret>> scramSecrets = new ConcurrentHashMap<>();
    private final Function<PoolConfig, TopologySource> topologyFactory;
    /** One topology source per cluster (servers and Patroni settings), kept across reloads. */
    private final Map<String, TopologySource> topologies = new ConcurrentHashMap<>();
    private final Map<String, io.pgrudder.core.topology.TopologyCounters> topologyCounters = new ConcurrentHashMap<>();
    /** Secrets and SCRAM keys of users without a plaintext server password, kept across reloads. */
    private final PassThroughSecrets passThrough = new PassThroughSecrets();
    private final AuthQuery authQuery;
    private volatile TlsFor authQueryTls;
    private final DiscoveredPools discoveredPools;

    public Pooler(PoolerConfig config, EventLoopGroup loops, SslContext clientTls) {
        this(config, loops, clientTls, Pools.NO_TOPOLOGY);
    }

    /**
     * @param topology makes and starts the topology source (Patroni poller) of each pool with
     *                 {@code use_patroni_api}; the pooler closes them on {@link #close()}
     */
    public Pooler(PoolerConfig config, EventLoopGroup loops, SslContext clientTls,
                  Function<PoolConfig, TopologySource> topology) {
        this.loops = loops;
        this.clientTls = clientTls;
        this.connector = new ServerConnector((int) Math.min(Integer.MAX_VALUE, config.general().maxMessageSize()),
                io.pgrudder.core.net.TcpSettings.of(config.general()).options());
        this.cancelForwarder = new CancelForwarder(loops);
        mockKey(config.general().authMockSecret(), mockNonceKey);
        this.topologyFactory = topology;
        this.authQuery = new AuthQuery(connector, loops);
        this.discoveredPools = new DiscoveredPools(connector, loops, this::topology, passThrough);
        this.discoveredPools.databasePaused(db -> {
            java.util.List<io.pgrudder.core.pool.Pool> of = pools().byKey().entrySet().stream()
                    .filter(e -> e.getKey().database().equals(db)).map(Map.Entry::getValue).toList();
            return !of.isEmpty() && of.stream().allMatch(io.pgrudder.core.pool.Pool::pausedNow);
        });
        this.pools = createPools(config);
    }

    /** Pools for a config (start-up, reload, RECONNECT), reusing the running topology sources. */
    public Pools createPools(PoolerConfig config) {
        return Pools.create(config, connector, loops, this::topology, passThrough);
    }

    /**
     * Runs the pool's auth_query for {@code username} (or answers from its cache) on the pool's
     * dedicated connection, which goes where the pool's writes go (the Patroni leader included).
     * The pool must have {@link PoolConfig#authQueryConfigured()}.
     */
    public io.netty.util.concurrent.Future<AuthQueryResult> authQuery(PoolConfig pool, String username) {
        TopologySource source = pool.patroni().usePatroniApi() ? topology(pool) : null;
        AuthQuerySettings settings = AuthQuerySettings.of(config().general(), pool, authQueryTls());
        return authQuery.lookup(settings, Pools.primaryTarget(pool, source), username);
    }

    /** One ServerTls per config snapshot (it reads the CA file), so that equal auth_query settings stay equal. */
    private ServerTls authQueryTls() {
        TlsFor current = authQueryTls;
        io.pgrudder.core.config.GeneralConfig general = config().general();
        if (current == null || current.general() != general) {
            current = new TlsFor(general, ServerTls.from(general));
            authQueryTls = current;
        }
        return current.tls();
    }

    private record TlsFor(io.pgrudder.core.config.GeneralConfig general, ServerTls tls) {
    }

    /** The pass-through secrets (auth_query secrets, SCRAM keys) of users without a plaintext server password. */
    public PassThroughSecrets passThrough() {
        return passThrough;
    }

    /** The pools of users only auth_query knows. */
    public DiscoveredPools discoveredPools() {
        return discoveredPools;
    }

    private TopologySource topology(PoolConfig pool) {
        return topologies.computeIfAbsent(topologyKey(pool), k -> {
            TopologySource source = topologyFactory.apply(pool);
            io.pgrudder.core.topology.TopologyCounters counters = new io.pgrudder.core.topology.TopologyCounters(source::dcsWatch);
            topologyCounters.put(k, counters);
            source.subscribe(counters::observe);
            return source;
        });
    }

    public Pools pools() {
        return pools;
    }

    /**
     * Every pool clients are served by now: the config's, then those {@link DiscoveredPools} made
     * for users only auth_query knows. What SHOW, the metrics and the admin commands look at; a
     * config pool wins over a discovered one of the same key (a reload that just listed the user).
     */
    public Map<Pools.PoolKey, io.pgrudder.core.pool.Pool> allPools() {
        Map<Pools.PoolKey, io.pgrudder.core.pool.Pool> out = new java.util.LinkedHashMap<>(pools.byKey());
        discoveredPools.byKey().forEach(out::putIfAbsent);
        return out;
    }

    /** The current topology snapshot of every pool that follows Patroni, by pool name. */
    public Map<String, io.pgrudder.core.topology.Topology> topologies() {
        Map<String, io.pgrudder.core.topology.Topology> out = new java.util.LinkedHashMap<>();
        for (PoolConfig pool : config().pools().values()) {
            TopologySource source = pool.patroni().usePatroniApi() ? topologies.get(topologyKey(pool)) : null;
            if (source != null) {
                out.put(pool.name(), source.current());
            }
        }
        return out;
    }

    /** The topology source a Patroni-following pool routes by; empty for other pools and unknown names. */
    public java.util.Optional<TopologySource> topologySource(String poolName) {
        PoolConfig pool = config().pools().get(poolName);
        return pool == null || !pool.patroni().usePatroniApi() ? java.util.Optional.empty()
                : java.util.Optional.ofNullable(topologies.get(topologyKey(pool)));
    }

    /** Leader changes, time without a leader and failing members of each Patroni-following pool, by pool name. */
    public Map<String, io.pgrudder.core.topology.TopologyCounters> topologyCounters() {
        Map<String, io.pgrudder.core.topology.TopologyCounters> out = new java.util.LinkedHashMap<>();
        for (PoolConfig pool : config().pools().values()) {
            io.pgrudder.core.topology.TopologyCounters c = pool.patroni().usePatroniApi()
                    ? topologyCounters.get(topologyKey(pool)) : null;
            if (c != null) {
                out.put(pool.name(), c);
            }
        }
        return out;
    }

    /**
     * Pools that list the same servers with the same Patroni API and etcd watch settings follow one
     * cluster through one poller (the roles written in servers and the database do not matter): two pools on one
     * cluster must not double the load on Patroni's REST API.
     */
    private static String topologyKey(PoolConfig pool) {
        StringBuilder key = new StringBuilder();
        for (io.pgrudder.core.config.ServerAddress s : pool.shards().get(0).servers()) {
            key.append(s.host()).append(':').append(s.port()).append(',');
        }
        PatroniSettings p = pool.patroni();
        // What the poller does; leader_wait_timeout and max_replica_lag are each pool's own business.
        return key.append('|').append(p.apiPort()).append('|').append(p.apiProtocol()).append('|').append(p.apiCa())
                .append('|').append(p.pollInterval()).append('|').append(p.apiTimeout())
                .append('|').append(p.etcd()).append('|').append(p.watchPollInterval()).toString();
    }

    /**
     * Reload: the new pools take over (built with {@link #createPools}). Topology sources no pool
     * of the new config uses are closed.
     */
    public void pools(Pools next) {
        pools = next;
        discoveredPools.configChanged(next.config());
        java.util.Set<String> withAuthQuery = new java.util.HashSet<>();
        next.config().pools().values().stream().filter(PoolConfig::authQueryConfigured)
                .forEach(p -> withAuthQuery.add(p.name()));
        authQuery.configChanged(withAuthQuery);
        java.util.Set<String> used = new java.util.HashSet<>();
        for (PoolConfig pool : next.config().pools().values()) {
            if (pool.patroni().usePatroniApi()) {
                used.add(topologyKey(pool));
            }
        }
        topologies.entrySet().removeIf(e -> {
            if (used.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            topologyCounters.remove(e.getKey());
            return true;
        });
    }

    public ServerConnector connector() {
        return connector;
    }

    public io.pgrudder.core.stats.Stats stats() {
        return stats;
    }

    public PoolerConfig config() {
        return pools.config();
    }

    public CancelRegistry cancels() {
        return cancels;
    }

    /** Client connections open now, for max_client_conn. */
    public ClientConnections clientConnections() {
        return clientConnections;
    }

    public CancelForwarder cancelForwarder() {
        return cancelForwarder;
    }

    /** Client-facing TLS, or null when tls_certificate/tls_private_key are not set. */
    public SslContext clientTls() {
        return clientTls;
    }

    /** Key for the fake SCRAM secrets of users that do not exist. */
    /**
     * The mock key: from {@code auth_mock_secret} (the same on every replica that has the same
     * secret), else random for this process.
     */
    static void mockKey(String secret, byte[] into) {
        if (secret == null) {
            new SecureRandom().nextBytes(into);
            return;
        }
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "HmacSHA256"));
            byte[] key = mac.doFinal("pgrudder mock SCRAM key".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            System.arraycopy(key, 0, into, 0, into.length);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] mockNonceKey() {
        return mockNonceKey.clone();
    }

    /**
     * The SCRAM secret for a configured password: parsed when it is a stored SCRAM secret, derived
     * (once) when it is plaintext, null when it is an md5 hash, which cannot do SCRAM.
     */
    public ScramSecret scramSecret(String username, String configured) {
        return scramSecrets.computeIfAbsent(username + '\0' + configured, k -> {
            if (ScramSecret.looksLikeScramSecret(configured)) {
                return Optional.of(ScramSecret.parse(configured));
            }
            if (configured.length() == 35 && configured.startsWith("md5")) {
                return Optional.empty();
            }
            return Optional.of(ScramSecret.forConfiguredPassword(username, configured, mockNonceKey));
        }).orElse(null);
    }

    public EventLoopGroup loops() {
        return loops;
    }

    public int maxMessageSize() {
        return (int) Math.min(Integer.MAX_VALUE, config().general().maxMessageSize());
    }

    /** Closes every pool and topology source; waits (bounded) until server connections are closed. */
    public void close() {
        authQuery.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (io.netty.util.concurrent.Future<Void> f : discoveredPools.close()) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        topologies.values().forEach(TopologySource::close);
        topologies.clear();
        pools.close(Duration.ofSeconds(5));
    }
}
