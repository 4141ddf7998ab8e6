package io.pgrudder.core.routing;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The healthy replicas of a Patroni cluster, for a pool with {@code default_role = "replica"}:
 * running or streaming, not tagged {@code noloadbalance}, lagging no more than
 * {@code max_replica_lag} bytes, and not banned by the admin console's BAN. New connections go to them in turn; when none is healthy they go
 * to the leader. A connection to a member that stopped being a healthy replica is not reused.
 */
public final class ClusterReplicas implements ServerTarget {
    private final TopologySource source;
    private final Duration waitLimit;
    private final long maxLagBytes;
    private final AtomicInteger next = new AtomicInteger();
    private final ReplicaBans bans = new ReplicaBans(System::nanoTime);

    public ClusterReplicas(TopologySource source, Duration waitLimit, Long maxReplicaLag) {
        this.source = Objects.requireNonNull(source, "source");
        this.waitLimit = Objects.requireNonNull(waitLimit, "waitLimit");
        this.maxLagBytes = maxReplicaLag == null ? Long.MAX_VALUE : maxReplicaLag;
    }

    @Override
    public Optional<ServerAddress> address() {
        Topology topology = source.current();
        List<ServerAddress> replicas = replicas(topology);
        if (replicas.isEmpty()) {
            return topology.leaderForNewTransactions().map(ClusterReplicas::address);
        }
        return Optional.of(replicas.get(Math.floorMod(next.getAndIncrement(), replicas.size())));
    }

    @Override
    public boolean known() {
        Topology topology = source.current();
        return !replicas(topology).isEmpty() || topology.leaderForNewTransactions().isPresent();
    }

    @Override
    public int spread() {
        return Math.max(1, replicas(source.current()).size());
    }

    @Override
    public boolean accepts(ServerAddress server) {
        Topology topology = source.current();
        List<ServerAddress> replicas = replicas(topology);
        if (replicas.isEmpty()) {
            return topology.leaderForNewTransactions().map(l -> ServerTarget.sameServer(address(l), server)).orElse(false);
        }
        return replicas.stream().anyMatch(r -> ServerTarget.sameServer(r, server));
    }

    @Override
    public List<ServerAddress> spreadOver() {
        return replicas(source.current());
    }

    @Override
    public boolean requirePrimary() {
        return false;
    }

    @Override
    public Runnable onChange(Runnable listener) {
        return source.subscribe(topology -> listener.run());
    }

    @Override
    public boolean retryable(PgException cause) {
        String state = cause.sqlState();
        return state.startsWith("08") || state.equals(SqlState.CANNOT_CONNECT_NOW)
                || state.equals(SqlState.ADMIN_SHUTDOWN) || state.equals(SqlState.CRASH_SHUTDOWN);
    }

    @Override
    public void suspect() {
        source.pollNow();
    }

    @Override
    public Duration waitLimit() {
        return waitLimit;
    }

    @Override
    public PgException unavailable(PgException lastFailure) {
        String detail = lastFailure == null ? null : "last connection attempt: " + lastFailure.getMessage();
        return new PgException(PgException.Severity.FATAL, SqlState.CANNOT_CONNECT_NOW,
                "no healthy replica and no leader of cluster \"" + source.current().clusterName()
                        + "\" accepted a connection within leader_wait_timeout (" + waitLimit.toMillis() + " ms)",
                detail, null, null);
    }

    /** The healthy replicas new connections may go to: not banned by the admin console's BAN. */
    private List<ServerAddress> replicas(Topology topology) {
        return bans.usable(topology.healthyReplicas(maxLagBytes).stream().map(ClusterReplicas::address).toList());
    }

    @Override
    public List<ServerBan> bans() {
        return bans.list();
    }

    /** Bans members by host or host:port, the leader never (its role may change; a ban outlives it, as in pgcat). */
    @Override
    public List<ServerAddress> ban(String pattern, Duration duration) {
        Topology t = source.current();
        List<ServerAddress> members = t.members().stream()
                .filter(m -> !t.leaderName().map(m.name()::equals).orElse(false))
                .map(ClusterReplicas::address).toList();
        return bans.banMatching(pattern, members, duration);
    }

    @Override
    public List<ServerAddress> unban(String pattern) {
        return bans.unbanMatching(pattern);
    }

    private static ServerAddress address(Member member) {
        return new ServerAddress(member.host(), member.port(), Role.REPLICA);
    }

    @Override
    public String toString() {
        return "replicas of cluster " + source.current().clusterName();
    }
}
