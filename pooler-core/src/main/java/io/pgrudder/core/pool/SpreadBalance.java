package io.pgrudder.core.pool;

import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.routing.ServerTarget;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Which idle connections to close so that a server that joined a target's spread (a replica
 * healthy again after a noloadbalance tag or lag) gets its share of a pool's connections: only
 * when a server joined and one holds fewer than its share, idle connections beyond their server's
 * share are chosen; busy ones are never. New connections then go round the servers again. Kept
 * between calls: the spread seen last. Confined to the pool's loop like the rest of its state.
 */
final class SpreadBalance {
    private List<ServerAddress> before = List.of();

    /**
     * @param spread  the servers the target spreads over now
     * @param idle    the pool's idle connections, in the order to close them
     * @param busy    its connections in use
     * @param address where a connection goes
     */
    <C> List<C> toClose(List<ServerAddress> spread, Collection<C> idle, Collection<C> busy,
                        Function<C, ServerAddress> address) {
        boolean joined = spread.stream().anyMatch(a -> before.stream().noneMatch(b -> ServerTarget.sameServer(a, b)));
        before = spread;
        if (!joined || spread.size() < 2) {
            return List.of();
        }
        Map<String, Integer> held = new HashMap<>();
        spread.forEach(a -> held.put(key(a), 0));
        int total = 0;
        for (C c : idle) {
            total += held.computeIfPresent(key(address.apply(c)), (k, n) -> n + 1) == null ? 0 : 1;
        }
        for (C c : busy) {
            total += held.computeIfPresent(key(address.apply(c)), (k, n) -> n + 1) == null ? 0 : 1;
        }
        int least = total / spread.size();
        int most = (total + spread.size() - 1) / spread.size();
        if (held.values().stream().noneMatch(n -> n < least)) {
            return List.of();
        }
        List<C> close = new ArrayList<>();
        for (C c : idle) {
            String key = key(address.apply(c));
            Integer n = held.get(key);
            if (n != null && n > most) {
                held.put(key, n - 1);
                close.add(c);
            }
        }
        return close;
    }

    private static String key(ServerAddress address) {
        return address.host() + ":" + address.port();
    }
}
