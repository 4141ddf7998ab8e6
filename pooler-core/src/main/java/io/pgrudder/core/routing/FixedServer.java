package io.pgrudder.core.routing;

import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The server named in the config ({@code use_patroni_api = false}): always the same address, no
 * fencing, and a failed connection is the client's error at once, as in pgcat.
 */
public final class FixedServer implements ServerTarget {
    private final Optional<ServerAddress> address;

    public FixedServer(ServerAddress address) {
        this.address = Optional.of(Objects.requireNonNull(address, "address"));
    }

    @Override
    public Optional<ServerAddress> address() {
        return address;
    }

    @Override
    public boolean requirePrimary() {
        return false;
    }

    @Override
    public void onChange(Runnable listener) {
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

    @Override
    public String toString() {
        return "server " + address.get();
    }
}
