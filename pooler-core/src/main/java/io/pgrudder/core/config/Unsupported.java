package io.pgrudder.core.config;

import java.util.Map;

/**
 * pgcat settings pgrudder reads but does not act on. Each one that is set to something other than
 * what pgrudder does anyway is reported as a warning, so that nobody relies on a feature silently
 * missing. A sharded pool still loads (pgcat's own example config has one) but refuses clients:
 * sending its queries to shard 0 would put rows on the wrong shard.
 */
final class Unsupported {
    private Unsupported() {
    }

    static void check(GeneralConfig general, Map<String, PoolConfig> pools, Problems problems) {
        if (general.dnsCacheEnabled()) {
            problems.warning("general.dns_cache_enabled", "pgrudder resolves server host names at each connection; "
                    + "the DNS cache has no effect");
        }
        for (PoolConfig pool : pools.values()) {
            String at = "pools." + pool.name();
            if (pool.shards().size() > 1) {
                problems.warning(at + ".shards", "sharding is not supported by pgrudder: this pool lists "
                        + pool.shards().size() + " shards, so clients connecting to it are refused (0A000) rather "
                        + "than sent to one shard; give each shard its own pool");
            }
            for (int i = 0; i < pool.shards().size(); i++) {
                if (!pool.shards().get(i).mirrors().isEmpty()) {
                    problems.warning(at + ".shards." + i + ".mirrors", "mirroring is not supported by pgrudder; "
                            + "nothing is sent to the mirrors");
                }
            }
            if (pool.automaticShardingKey() != null || pool.shardingKeyRegex() != null || pool.shardIdRegex() != null) {
                problems.warning(at, "sharding keys (automatic_sharding_key, sharding_key_regex, shard_id_regex) have "
                        + "no effect: pgrudder serves shard 0 only");
            }
            if (pool.checkoutFailureLimit() != null) {
                problems.warning(at + ".checkout_failure_limit", "not supported by pgrudder: a client is not "
                        + "disconnected after failed checkouts");
            }
            if (pool.dbActivityBasedRouting()) {
                problems.warning(at + ".db_activity_based_routing", "not supported by pgrudder; reads are routed by "
                        + "the query parser and Patroni's replica lag (max_replica_lag)");
            }
            if (!pool.cleanupServerConnections()) {
                problems.warning(at + ".cleanup_server_connections", "pgrudder always cleans a server connection "
                        + "a client changed before another client gets it");
            }
            if (pool.loadBalancingMode() != LoadBalancingMode.RANDOM) {
                problems.warning(at + ".load_balancing_mode", "pgrudder opens replica connections in turn "
                        + "whatever the mode");
            }
        }
    }
}
