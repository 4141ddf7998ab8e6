package io.pgrudder.core.pool;

import io.pgrudder.core.auth.PassThroughSecret;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolMode;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.config.ShardConfig;
import io.pgrudder.core.config.UserConfig;

import java.time.Duration;

/**
 * Everything one (pool, user) pool needs, resolved from the config snapshot (user setting, else
 * pool setting, else general). Immutable; a reload builds new settings and compares them.
 */
public record PoolSettings(String poolName, UserConfig user, ServerAddress address, String database,
                           PoolMode poolMode, int poolSize, int minPoolSize, Duration connectTimeout,
                           Duration idleTimeout, Duration serverLifetime, Duration resetTimeout,
                           int preparedStatementsCacheSize, Duration healthcheckDelay, Duration healthcheckTimeout,
                           boolean serverRoundRobin, ServerTls serverTls, PassThroughSecret passThrough) {

    /** Settings of a user whose server password is plaintext or an md5 hash (no pass-through). */
    public PoolSettings(String poolName, UserConfig user, ServerAddress address, String database, PoolMode poolMode,
                        int poolSize, int minPoolSize, Duration connectTimeout, Duration idleTimeout,
                        Duration serverLifetime, Duration resetTimeout, int preparedStatementsCacheSize,
                        Duration healthcheckDelay, Duration healthcheckTimeout, boolean serverRoundRobin,
                        ServerTls serverTls) {
        this(poolName, user, address, database, poolMode, poolSize, minPoolSize, connectTimeout, idleTimeout,
                serverLifetime, resetTimeout, preparedStatementsCacheSize, healthcheckDelay, healthcheckTimeout,
                serverRoundRobin, serverTls, null);
    }

    /** Settings with their own {@link ServerTls} (which reads the CA file): for tests and one-off pools. */
    public static PoolSettings from(GeneralConfig general, PoolConfig pool, UserConfig user) {
        return from(general, pool, user, ServerTls.from(general));
    }

    /** @param serverTls made once per config snapshot from its {@code [general]} */
    public static PoolSettings from(GeneralConfig general, PoolConfig pool, UserConfig user, ServerTls serverTls) {
        return from(general, pool, user, serverTls, null);
    }

    /**
     * @param passThrough where the server login finds the secret and SCRAM keys of a user whose
     *                    server password is not in the config as plaintext (see {@link PassThroughSecret}); null for others
     */
    public static PoolSettings from(GeneralConfig general, PoolConfig pool, UserConfig user, ServerTls serverTls,
                                    PassThroughSecret passThrough) {
        ShardConfig shard = pool.shards().get(0);
        ServerAddress address = primaryAddress(pool);
        return new PoolSettings(pool.name(), user, address, shard.database(),
                pool.poolModeFor(user), user.poolSize(), user.minPoolSize(),
                pool.connectTimeoutFor(user, general), pool.idleTimeoutFor(user, general),
                pool.serverLifetimeFor(user, general), general.healthcheckTimeout().plus(general.connectTimeout()),
                pool.preparedStatementsCacheSize(), general.healthcheckDelay(), general.healthcheckTimeout(),
                general.serverRoundRobin(), serverTls, passThrough);
    }

    /**
     * The pool's primary as the config lists it: the server marked primary, else the first. It is
     * the primary's address even when (with Patroni) the first server is listed as a replica.
     */
    public static ServerAddress primaryAddress(PoolConfig pool) {
        ShardConfig shard = pool.shards().get(0);
        ServerAddress listed = shard.servers().stream()
                .filter(s -> s.role() == Role.PRIMARY)
                .findFirst()
                .orElse(shard.servers().get(0));
        return new ServerAddress(listed.host(), listed.port(), Role.PRIMARY);
    }

    /** The same settings for the pool that serves reads from replicas; {@code address} names it. */
    public PoolSettings forReplicas(ServerAddress address, int minPoolSize) {
        return new PoolSettings(poolName, user, address, database, poolMode, poolSize, minPoolSize, connectTimeout,
                idleTimeout, serverLifetime, resetTimeout, preparedStatementsCacheSize, healthcheckDelay,
                healthcheckTimeout, serverRoundRobin, serverTls, passThrough);
    }

    /** The same settings with one pool share's part of pool_size and min_pool_size. */
    public PoolSettings forShare(int poolSize, int minPoolSize) {
        return new PoolSettings(poolName, user, address, database, poolMode, poolSize, minPoolSize, connectTimeout,
                idleTimeout, serverLifetime, resetTimeout, preparedStatementsCacheSize, healthcheckDelay,
                healthcheckTimeout, serverRoundRobin, serverTls, passThrough);
    }

    public String serverUsername() {
        return user.serverUsername();
    }

    public String serverPassword() {
        return user.serverPassword();
    }

    @Override
    public String toString() {
        return "pool " + poolName + "/" + user.username() + (address.role() == Role.REPLICA ? " (replicas)" : "");
    }
}
