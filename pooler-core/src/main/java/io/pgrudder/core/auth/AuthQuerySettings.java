package io.pgrudder.core.auth;

import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.core.config.PoolConfig;

import java.time.Duration;
import java.util.Objects;

/**
 * How one pool runs its auth_query: the query as sent (with {@code $1} a bound parameter), as
 * whom, against which database, with what timeout and TLS, and how long results are kept. A
 * reload that changes any of it gets a new connection and an empty cache for the pool.
 *
 * @param query the configured query with pgcat's quoted {@code '$1'} turned into the parameter {@code $1}
 * @param database the real database of the pool's first shard
 * @param timeout for logging in, and for each query's answer
 */
public record AuthQuerySettings(String poolName, String query, String user, String password, String database,
                                Duration timeout, ServerTls tls, Duration cacheTtl) {
    public AuthQuerySettings {
        Objects.requireNonNull(poolName, "poolName");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
    }

    /** The pool's auth_query settings; the pool must have {@link PoolConfig#authQueryConfigured()}. */
    public static AuthQuerySettings of(GeneralConfig general, PoolConfig pool, ServerTls tls) {
        if (!pool.authQueryConfigured()) {
            throw new IllegalArgumentException("pool " + pool.name() + " has no auth_query");
        }
        Duration timeout = pool.connectTimeout() != null ? pool.connectTimeout() : general.connectTimeout();
        return new AuthQuerySettings(pool.name(), parameterized(pool.authQuery()), pool.authQueryUser(),
                pool.authQueryPassword(), pool.shards().get(0).database(), timeout, tls, pool.authQueryCacheTtl());
    }

    /**
     * pgcat pastes the user name over {@code $1}, so its configs quote it ({@code usename = '$1'});
     * PgBouncer binds it as a parameter ({@code rolname = $1}). Both forms become the parameter
     * here: the name is never pasted into SQL.
     */
    static String parameterized(String query) {
        return query.replace("'$1'", "$1");
    }

    @Override
    public String toString() {
        return "AuthQuerySettings[pool=" + poolName + ", user=" + user + ", database=" + database + "]";
    }
}
