package io.pgrudder.core.routing;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The replicas written in {@code servers}, for reads when there is no Patroni: new connections go
 * to them in turn (the primary when none is listed). A replica a connection failed to is banned
 * for {@code ban_time}, as pgcat does, unless every replica is banned (then all are tried again).
 * The admin console's BAN takes a replica out for its duration even when it is the last one:
 * reads then go to the primary.
 */
public final class FixedReplicas extends StaticTarget {
    private static final Logger log = LoggerFactory.getLogger(FixedReplicas.class);

    private final List<ServerAddress> replicas;
    private final List<ServerAddress> primaries;
    private final AtomicInteger next = new AtomicInteger();
    private final long banNanos;
    private final ReplicaBans bans;

    public FixedReplicas(List<ServerAddress> servers, Duration banTime) {
        this(servers, banTime, System::nanoTime);
    }

    FixedReplicas(List<ServerAddress> servers, Duration banTime, LongSupplier clock) {
        List<ServerAddress> r = servers.stream().filter(s -> s.role() == Role.REPLICA).toList();
        this.replicas = r.isEmpty() ? List.copyOf(servers) : r;
        this.primaries = servers.stream().filter(s -> s.role() == Role.PRIMARY).toList();
        this.banNanos = banTime.toNanos();
        this.bans = new ReplicaBans(clock);
    }

    @Override
    public Optional<ServerAddress> address() {
        List<ServerAddress> usable = usable();
        return Optional.of(usable.get(Math.floorMod(next.getAndIncrement(), usable.size())));
    }

    @Override
    public boolean known() {
        return true;
    }

    @Override
    public int spread() {
        return usable().size();
    }

    @Override
    public boolean accepts(ServerAddress server) {
        return usable().stream().anyMatch(r -> ServerTarget.sameServer(r, server));
    }

    @Override
    public void connectFailed(ServerAddress server, PgException cause) {
        if (banNanos <= 0 || replicas.size() < 2) {
            return;
        }
        for (ServerAddress r : replicas) {
            if (ServerTarget.sameServer(r, server) && !bans.banned(r)
                    && bans.ban(r, Duration.ofNanos(banNanos), ServerBan.FAILED_CHECKOUT)) {
                log.warn("replica {}:{} banned for {} s (ban_time): {}", r.host(), r.port(), banNanos / 1_000_000_000L,
                        cause.getMessage());
            }
        }
    }

    @Override
    public List<ServerBan> bans() {
        return bans.list();
    }

    @Override
    public List<ServerAddress> ban(String pattern, Duration duration) {
        List<ServerAddress> banned = bans.banMatching(pattern,
                replicas.stream().filter(r -> r.role() != Role.PRIMARY).toList(), duration);
        banned.forEach(r -> log.info("replica {}:{} banned for {} s (admin BAN)", r.host(), r.port(),
                duration.toSeconds()));
        return banned;
    }

    @Override
    public List<ServerAddress> unban(String pattern) {
        return bans.unbanMatching(pattern);
    }

    /**
     * The replicas not banned now; all of them when failed connections banned every one (pgcat:
     * "unbanning all replicas"); the primary when admin bans cover them all.
     */
    private List<ServerAddress> usable() {
        List<ServerAddress> usable = bans.usable(replicas);
        if (usable.isEmpty()) {
            return primaries.isEmpty() ? replicas : primaries;
        }
        return usable;
    }

    @Override
    public String toString() {
        return "replicas " + replicas;
    }
}
