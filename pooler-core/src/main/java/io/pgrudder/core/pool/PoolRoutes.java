package io.pgrudder.core.pool;

import io.pgrudder.core.routing.Destination;
import io.pgrudder.core.routing.RoutingRules;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The pools of one (database, user) in one config snapshot: the primary's, and the replicas' when
 * the pool has any (null otherwise: reads then go to the primary). They share one prepared
 * statement registry, so a client's statements follow it from one to the other.
 *
 * @param shards how many shards the pool's config lists (pgcat's SET SHARD checks against it)
 */
public record PoolRoutes(ServerPool primary, ServerPool replicas, RoutingRules rules, int shards) {
    public PoolRoutes {
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(rules, "rules");
    }

    /** The pool a transaction bound for {@code destination} checks out from. */
    public ServerPool pool(Destination destination) {
        if (replicas == null) {
            return primary;
        }
        return switch (destination) {
            case PRIMARY -> primary;
            case REPLICA -> replicas;
            // Spread like one more replica: the primary gets 1 / (replicas + 1) of these.
            case ANY -> ThreadLocalRandom.current().nextInt(replicas.target().spread() + 1) == 0 ? primary : replicas;
        };
    }
}
