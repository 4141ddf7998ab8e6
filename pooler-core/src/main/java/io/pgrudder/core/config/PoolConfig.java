package io.pgrudder.core.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code [pools.NAME]}: one logical database that clients connect to by name.
 *
 * <p>{@code connectTimeout}, {@code idleTimeout} and {@code serverLifetime} are null when the
 * pool inherits from {@code [general]}; use {@link #connectTimeoutFor} and friends for the
 * effective value. {@code authQuery*} are already filled from {@code [general]} when the pool
 * does not set them (as pgcat does). {@code patroni} is resolved key by key (pool, else general).
 * Also nullable: {@code queryParserMaxLength}, {@code checkoutFailureLimit},
 * {@code automaticShardingKey}, {@code shardingKeyRegex}, {@code shardIdRegex}.
 *
 * @param authQueryCacheTtl ours: how long an auth_query result is reused (the pool's, else general's)
 * @param authQueryPoolSize ours: pool_size of the pool each user that only auth_query knows gets
 * @param authQueryMaxUsers ours: at most this many such users get a pool at once; one more is
 *                          refused (53300) after it authenticated
 * @param shardingFunction "pg_bigint_hash" or "sha1"
 * @param defaultShard "shard_N", "random" or "random_healthy"
 * @param users keyed by the TOML table key ({@code users.0} → "0"), in pgcat's (string) order
 * @param shards list index = shard number
 */
public record PoolConfig(
        String name,
        PoolMode poolMode,
        LoadBalancingMode loadBalancingMode,
        DefaultRole defaultRole,
        boolean queryParserEnabled,
        Integer queryParserMaxLength,
        boolean queryParserReadWriteSplitting,
        boolean primaryReadsEnabled,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration serverLifetime,
        Integer checkoutFailureLimit,
        String shardingFunction,
        String automaticShardingKey,
        String shardingKeyRegex,
        String shardIdRegex,
        int regexSearchLimit,
        String defaultShard,
        String authQuery,
        String authQueryUser,
        String authQueryPassword,
        Duration authQueryCacheTtl,
        int authQueryPoolSize,
        int authQueryMaxUsers,
        boolean cleanupServerConnections,
        boolean logClientParameterStatusChanges,
        int preparedStatementsCacheSize,
        boolean dbActivityBasedRouting,
        Duration dbActivityInitDelay,
        Duration dbActivityTtl,
        Duration tableMutationCacheTtl,
        PatroniSettings patroni,
        Map<String, UserConfig> users,
        List<ShardConfig> shards) {
    /**
     * Deliberately not pgcat's 0: with the cache off, named statements (pgjdbc after
     * prepareThreshold, node-postgres named queries, pgbench -M prepared) break in transaction
     * mode. An explicit 0 still turns it off, as in pgcat.
     */
    public static final int DEFAULT_PREPARED_STATEMENTS_CACHE_SIZE = 500;


    public static final String DEFAULT_SHARDING_FUNCTION = "pg_bigint_hash";
    public static final String DEFAULT_SHARD = "shard_0";
    public static final int DEFAULT_REGEX_SEARCH_LIMIT = 1000;
    /** PgBouncer's default_pool_size. */
    public static final int DEFAULT_AUTH_QUERY_POOL_SIZE = 20;
    public static final int DEFAULT_AUTH_QUERY_MAX_USERS = 100;
    public static final Duration DEFAULT_DB_ACTIVITY_INIT_DELAY = Duration.ofMillis(100);
    public static final Duration DEFAULT_DB_ACTIVITY_TTL = Duration.ofSeconds(900);
    public static final Duration DEFAULT_TABLE_MUTATION_CACHE_TTL = Duration.ofMillis(50);

    private static final Set<String> SECRETS = Set.of("authQueryPassword");

    public PoolConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(poolMode, "poolMode");
        Objects.requireNonNull(loadBalancingMode, "loadBalancingMode");
        Objects.requireNonNull(defaultRole, "defaultRole");
        Objects.requireNonNull(shardingFunction, "shardingFunction");
        Objects.requireNonNull(defaultShard, "defaultShard");
        Objects.requireNonNull(patroni, "patroni");
        Objects.requireNonNull(authQueryCacheTtl, "authQueryCacheTtl");
        users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        shards = List.copyOf(shards);
    }

    /** The user with this (client-facing) username. */
    public Optional<UserConfig> user(String username) {
        return users.values().stream().filter(u -> u.username().equals(username)).findFirst();
    }

    /** True when auth_query, auth_query_user and auth_query_password are all set. */
    public boolean authQueryConfigured() {
        return authQuery != null && authQueryUser != null && authQueryPassword != null;
    }

    /**
     * The user as a pool for a role that only auth_query knows sees it: no password of its own
     * (the secret comes from the server), logs in to the server under its own name, the pool's
     * {@code auth_query_pool_size}, everything else inherited from the pool.
     */
    public UserConfig authQueryUser(String username) {
        return new UserConfig(username, null, AuthType.MD5, username, null, authQueryPoolSize, 0, null, null,
                Duration.ZERO, null, null);
    }

    /** Prepared statements are rewritten only in transaction mode with a cache (pgcat's rule). */
    public boolean preparedStatementsEnabledFor(UserConfig user) {
        return poolModeFor(user) == PoolMode.TRANSACTION && preparedStatementsCacheSize > 0;
    }

    /** The user's pool_mode, else the pool's. */
    public PoolMode poolModeFor(UserConfig user) {
        return user.poolMode() != null ? user.poolMode() : poolMode;
    }

    /** The user's connect_timeout, else the pool's, else general's. */
    public Duration connectTimeoutFor(UserConfig user, GeneralConfig general) {
        return first(user.connectTimeout(), connectTimeout, general.connectTimeout());
    }

    /** The user's idle_timeout, else the pool's, else general's. */
    public Duration idleTimeoutFor(UserConfig user, GeneralConfig general) {
        return first(user.idleTimeout(), idleTimeout, general.idleTimeout());
    }

    /** The user's server_lifetime, else the pool's, else general's. */
    public Duration serverLifetimeFor(UserConfig user, GeneralConfig general) {
        return first(user.serverLifetime(), serverLifetime, general.serverLifetime());
    }

    private static Duration first(Duration user, Duration pool, Duration general) {
        return user != null ? user : pool != null ? pool : general;
    }

    @Override
    public String toString() {
        return Secrets.maskedToString(this, SECRETS);
    }
}
