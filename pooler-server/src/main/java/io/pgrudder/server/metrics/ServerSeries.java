package io.pgrudder.server.metrics;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The servers of one (pool, user) as pgcat's per-server series label them, with the role each
 * has now: for a pool that follows Patroni, the current topology's members (the leader is
 * {@code primary}, the others {@code replica}), so after a failover the new leader's host is the
 * primary series; otherwise the configured servers. A server a connection is open to that is
 * neither (the topology moved on) keeps a series until that connection closes.
 *
 * @param index pgcat's {@code index} label: the position in the shard's {@code servers}, or past
 *              them for a member that is not configured
 */
public record ServerSeries(String host, int port, Role role, int index) {

    public static List<ServerSeries> of(PoolConfig pool, Optional<Topology> topology, List<ServerConnection> open) {
        List<ServerAddress> configured = pool == null || pool.shards().isEmpty() ? List.of() : pool.shards().get(0).servers();
        List<ServerSeries> out = new ArrayList<>();
        if (topology.isPresent() && !topology.get().members().isEmpty()) {
            Topology t = topology.get();
            String leader = t.leaderName().orElse("");
            for (Member m : t.members()) {
                Role role = m.name().equals(leader) ? Role.PRIMARY : Role.REPLICA;
                out.add(new ServerSeries(m.host(), m.port(), role, index(configured, m.host(), m.port(), out.size())));
            }
        } else {
            for (int i = 0; i < configured.size(); i++) {
                ServerAddress a = configured.get(i);
                out.add(new ServerSeries(a.host(), a.port(), a.role(), i));
            }
        }
        for (ServerConnection s : open) {
            ServerAddress a = s.address();
            if (out.stream().noneMatch(x -> x.is(a.host(), a.port())) && s.channel().isOpen()) {
                out.add(new ServerSeries(a.host(), a.port(), a.role(), index(configured, a.host(), a.port(), out.size())));
            }
        }
        return out;
    }

    private static int index(List<ServerAddress> configured, String host, int port, int otherwise) {
        for (int i = 0; i < configured.size(); i++) {
            if (configured.get(i).host().equals(host) && configured.get(i).port() == port) {
                return i;
            }
        }
        return Math.max(otherwise, configured.size());
    }

    public boolean is(String host, int port) {
        return this.host.equals(host) && this.port == port;
    }

    public boolean serves(ServerConnection s) {
        return is(s.address().host(), s.address().port());
    }

    /** {@code host:port}, for keying per-server state (the averages' periods). */
    public String key() {
        return host + ":" + port;
    }

    static Optional<Topology> topology(Map<String, Topology> topologies, String pool) {
        return Optional.ofNullable(topologies.get(pool));
    }
}
