package io.pgrudder.server.metrics;

import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.pool.PoolSettings;
import io.pgrudder.core.pool.PoolStats;
import io.pgrudder.core.pool.Pools.PoolKey;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.stats.ClientMeter;
import io.pgrudder.core.stats.PoolCounters;
import io.pgrudder.core.stats.ServerMeter;
import io.pgrudder.core.stats.Stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One (pool, user) at one moment, as SHOW POOLS/STATS/SERVERS and the exporter see it: its
 * server connections (taken on the pool's loop), its clients and its counters.
 */
public record PoolView(Pool pool, List<ServerConnection> servers, int connecting, boolean paused,
                       List<ClientMeter> clients, PoolCounters counters, Stats stats) {

    /**
     * Views of every current (pool, user), the users only auth_query knows included, its replica
     * pool's connections counted with its primary pool's (pgcat shows one row per pool and user);
     * completes on a pool loop, never blocks.
     */
    public static CompletableFuture<List<PoolView>> all(Pooler pooler) {
        Stats stats = pooler.stats();
        List<ClientMeter> clients = List.copyOf(stats.clients());
        List<CompletableFuture<PoolView>> parts = new ArrayList<>();
        Map<PoolKey, Pool> pools = pooler.allPools();
        for (Map.Entry<PoolKey, Pool> e : pools.entrySet()) {
            if (e.getKey().role() != Role.PRIMARY) {
                continue;
            }
            Pool pool = e.getValue();
            PoolSettings s = pool.settings();
            Pool replicas = pools.get(new PoolKey(e.getKey().database(), e.getKey().user(), Role.REPLICA));
            CompletableFuture<Part> primaryPart = part(pool);
            CompletableFuture<Part> replicaPart = replicas == null ? CompletableFuture.completedFuture(Part.NONE) : part(replicas);
            List<ClientMeter> mine = clients.stream()
                    .filter(c -> c.pool().pool().equals(s.poolName()) && c.pool().user().equals(s.user().username()))
                    .toList();
            PoolCounters counters = stats.counters(s.poolName(), s.user().username());
            parts.add(primaryPart.thenCombine(replicaPart, (a, b) -> {
                List<ServerConnection> servers = new ArrayList<>(a.servers());
                servers.addAll(b.servers());
                return new PoolView(pool, List.copyOf(servers), a.connecting() + b.connecting(), a.paused(),
                        mine, counters, stats);
            }));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(x -> parts.stream().map(CompletableFuture::join).toList());
    }

    /** What one pool's loop says about it. */
    private record Part(List<ServerConnection> servers, int connecting, boolean paused) {
        static final Part NONE = new Part(List.of(), 0, false);
    }

    private static CompletableFuture<Part> part(Pool pool) {
        CompletableFuture<List<ServerConnection>> servers = new CompletableFuture<>();
        CompletableFuture<PoolStats> counts = new CompletableFuture<>();
        CompletableFuture<Boolean> paused = new CompletableFuture<>();
        pool.servers().addListener(f -> complete(servers, f));
        pool.stats().addListener(f -> complete(counts, f));
        pool.isPaused().addListener(f -> complete(paused, f));
        return CompletableFuture.allOf(servers, counts, paused)
                .thenApply(x -> new Part(servers.join(), counts.join().connecting(), paused.join()));
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(CompletableFuture<T> target, io.netty.util.concurrent.Future<?> f) {
        if (f.isSuccess()) {
            target.complete((T) f.getNow());
        } else {
            target.completeExceptionally(f.cause());
        }
    }

    public PoolSettings settings() {
        return pool.settings();
    }

    public String poolName() {
        return settings().poolName();
    }

    public String user() {
        return settings().user().username();
    }

    /** pgcat's address name: {@code <pool>_shard_0_primary}. */
    public String instance() {
        return poolName() + "_shard_0_" + settings().address().role().configName();
    }

    /** The address name of one server connection: {@code <pool>_shard_0_primary} or {@code _replica}. */
    public String instance(ServerConnection server) {
        return poolName() + "_shard_0_" + server.address().role().configName();
    }

    public long servers(ServerState state) {
        return servers.stream().filter(s -> s.state() == state).count();
    }

    public long clients(ClientMeter.State state) {
        return clients.stream().filter(c -> c.state() == state).count();
    }

    /** Live server connections (not closing). */
    public long currentConnections() {
        return servers.stream().filter(s -> s.state().isUsable()).count() + connecting;
    }

    /** Longest current wait for a server among this pool's clients, in microseconds. */
    public long maxWaitMicros() {
        return clients.stream().mapToLong(ClientMeter::waitingNanos).max().orElse(0) / 1000;
    }

    public long serverSum(java.util.function.ToLongFunction<ServerMeter> f) {
        return servers.stream().map(stats::serverMeter).flatMap(java.util.Optional::stream).mapToLong(f).sum();
    }
}
