package io.pgrudder.core.routing;

import io.pgrudder.core.config.ServerAddress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The bans of one replica target: which servers new connections avoid until when, and why. Admin
 * bans (the console's BAN) are kept even when they cover every replica (reads then go where the
 * target sends them without replicas); bans for failed connections are lifted all at once when
 * they would leave no replica, as pgcat does ("unbanning all replicas"). Thread-safe: targets are
 * read from every event loop.
 */
final class ReplicaBans {
    private record Entry(ServerAddress server, String reason, long sinceEpochSeconds, long durationNanos,
                         long untilNanos) {
    }

    private final Map<String, Entry> bans = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    ReplicaBans(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    private static String key(ServerAddress s) {
        return s.host() + ":" + s.port();
    }

    boolean isEmpty() {
        return bans.isEmpty();
    }

    /** Bans {@code server} for {@code duration}; false when it was banned already (the ban is renewed). */
    boolean ban(ServerAddress server, Duration duration, String reason) {
        long now = nanoClock.getAsLong();
        Entry before = bans.put(key(server), new Entry(server, reason, System.currentTimeMillis() / 1000,
                duration.toNanos(), now + duration.toNanos()));
        return before == null || before.untilNanos - now <= 0;
    }

    /** The candidates {@code pattern} names ({@code host} or {@code host:port}), each banned; returns them. */
    List<ServerAddress> banMatching(String pattern, Collection<ServerAddress> candidates, Duration duration) {
        List<ServerAddress> out = new ArrayList<>();
        for (ServerAddress s : candidates) {
            if (matches(pattern, s) && out.stream().noneMatch(o -> ServerTarget.sameServer(o, s))) {
                ban(s, duration, ServerBan.ADMIN);
                out.add(s);
            }
        }
        return out;
    }

    /** Lifts the bans {@code pattern} names; returns the servers no longer banned. */
    List<ServerAddress> unbanMatching(String pattern) {
        List<ServerAddress> out = new ArrayList<>();
        bans.values().removeIf(e -> {
            if (matches(pattern, e.server)) {
                out.add(e.server);
                return true;
            }
            return false;
        });
        return out;
    }

    static boolean matches(String pattern, ServerAddress s) {
        return pattern.equals(s.host()) || pattern.equals(s.host() + ":" + s.port());
    }

    /**
     * The servers of {@code all} new connections may go to now; empty when admin bans cover all of
     * them (the caller falls back), never empty because of failed connections alone.
     */
    List<ServerAddress> usable(List<ServerAddress> all) {
        if (bans.isEmpty()) {
            return all;
        }
        long now = nanoClock.getAsLong();
        bans.values().removeIf(e -> e.untilNanos - now <= 0);
        List<ServerAddress> usable = all.stream().filter(s -> !bans.containsKey(key(s))).toList();
        if (usable.isEmpty() && bans.values().stream().noneMatch(e -> e.reason.equals(ServerBan.ADMIN))) {
            bans.clear();
            return all;
        }
        return usable;
    }

    boolean banned(ServerAddress s) {
        Entry e = bans.get(key(s));
        return e != null && e.untilNanos - nanoClock.getAsLong() > 0;
    }

    List<ServerBan> list() {
        long now = nanoClock.getAsLong();
        List<ServerBan> out = new ArrayList<>();
        for (Entry e : bans.values()) {
            long left = e.untilNanos - now;
            if (left > 0) {
                out.add(new ServerBan(e.server, e.reason, e.sinceEpochSeconds, e.durationNanos / 1_000_000_000L,
                        (left + 999_999_999L) / 1_000_000_000L));
            }
        }
        return out;
    }
}
