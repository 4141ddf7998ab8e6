package io.pgrudder.core.routing;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The replicas written in {@code servers}, for a pool with {@code default_role = "replica"} and
 * no Patroni: new connections go to them in turn (the primary when none is listed).
 */
public final class FixedReplicas extends StaticTarget {
    private final List<ServerAddress> replicas;
    private final AtomicInteger next = new AtomicInteger();

    public FixedReplicas(List<ServerAddress> servers) {
        List<ServerAddress> r = servers.stream().filter(s -> s.role() == Role.REPLICA).toList();
        this.replicas = r.isEmpty() ? List.copyOf(servers) : r;
    }

    @Override
    public Optional<ServerAddress> address() {
        return Optional.of(replicas.get(Math.floorMod(next.getAndIncrement(), replicas.size())));
    }

    @Override
    public int spread() {
        return replicas.size();
    }

    @Override
    public boolean accepts(ServerAddress server) {
        return replicas.stream().anyMatch(r -> ServerTarget.sameServer(r, server));
    }

    @Override
    public String toString() {
        return "replicas " + replicas;
    }
}
