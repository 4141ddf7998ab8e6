package io.pgrudder.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@code [pools.NAME.shards.N]}: the real database name and the servers holding it. */
public record ShardConfig(String database, List<ServerAddress> servers, List<MirrorAddress> mirrors) {
    public ShardConfig {
        Objects.requireNonNull(database, "database");
        servers = List.copyOf(servers);
        mirrors = List.copyOf(mirrors);
    }

    /** The server configured with role primary, if any (pgcat allows at most one). */
    public Optional<ServerAddress> primary() {
        return servers.stream().filter(s -> s.role() == Role.PRIMARY).findFirst();
    }
}
