package io.pgrudder.core.routing;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The replicas written in {@code servers}, for reads when there is no Patroni: new connections go
 * to them in turn (the primary when none is listed). A replica a connection failed to is banned
 * for {@code ban_time}, as pgcat does, unless every replica is banned (then all are tried again).
 */
public final class FixedReplicas extends StaticTarget {
    private static final Logger log = LoggerFactory.getLogger(FixedReplicas.class);

    private final List<ServerAddress> replicas;
    private final AtomicInteger next = new AtomicInteger();
    private final long banNanos;
    private final LongSupplier clock;
    /** Replica → when its ban ends (System.nanoTime()). */
    private final Map<ServerAddress, Long> bannedUntil = new ConcurrentHashMap<>();

    public FixedReplicas(List<ServerAddress> servers, Duration banTime) {
        this(servers, banTime, System::nanoTime);
    }

    FixedReplicas(List<ServerAddress> servers, Duration banTime, LongSupplier clock) {
        List<ServerAddress> r = servers.stream().filter(s -> s.role() == Role.REPLICA).toList();
        this.replicas = r.isEmpty() ? List.copyOf(servers) : r;
        this.banNanos = banTime.toNanos();
        this.clock = clock;
    }

    @Override
    public Optional<ServerAddress> address() {
        List<ServerAddress> usable = unbanned();
        return Optional.of(usable.get(Math.floorMod(next.getAndIncrement(), usable.size())));
    }

    @Override
    public boolean known() {
        return true;
    }

    @Override
    public int spread() {
        return unbanned().size();
    }

    @Override
    public boolean accepts(ServerAddress server) {
        return replicas.stream().anyMatch(r -> ServerTarget.sameServer(r, server));
    }

    @Override
    public void connectFailed(ServerAddress server, PgException cause) {
        if (banNanos <= 0 || replicas.size() < 2) {
            return;
        }
        for (ServerAddress r : replicas) {
            if (ServerTarget.sameServer(r, server)
                    && bannedUntil.put(r, clock.getAsLong() + banNanos) == null) {
                log.warn("replica {}:{} banned for {} s (ban_time): {}", r.host(), r.port(), banNanos / 1_000_000_000L,
                        cause.getMessage());
            }
        }
    }

    /** The replicas not banned now; all of them when every one is (pgcat: "unbanning all replicas"). */
    private List<ServerAddress> unbanned() {
        if (bannedUntil.isEmpty()) {
            return replicas;
        }
        long now = clock.getAsLong();
        bannedUntil.entrySet().removeIf(e -> e.getValue() - now <= 0);
        List<ServerAddress> usable = replicas.stream().filter(r -> !bannedUntil.containsKey(r)).toList();
        if (usable.isEmpty()) {
            bannedUntil.clear();
            return replicas;
        }
        return usable;
    }

    @Override
    public String toString() {
        return "replicas " + replicas;
    }
}
