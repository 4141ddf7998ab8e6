package io.pgrudder.core.routing;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.time.Duration;

/**
 * A target written in the config ({@code use_patroni_api = false}): it never changes, logins are
 * not fenced, and a failed connection is not a role change to wait out.
 */
abstract class StaticTarget implements ServerTarget {
    @Override
    public boolean requirePrimary() {
        return false;
    }

    @Override
    public Runnable onChange(Runnable listener) {
        return () -> { }; // never changes
    }

    @Override
    public boolean retryable(PgException cause) {
        return false;
    }

    @Override
    public void suspect() {
    }

    @Override
    public Duration waitLimit() {
        return Duration.ZERO;
    }

    @Override
    public PgException unavailable(PgException lastFailure) {
        return lastFailure != null ? lastFailure
                : PgException.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "cannot reach " + this);
    }
}
