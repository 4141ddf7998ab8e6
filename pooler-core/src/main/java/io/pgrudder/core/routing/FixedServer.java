package io.pgrudder.core.routing;

import io.pgrudder.core.config.ServerAddress;

import java.util.Objects;
import java.util.Optional;

/**
 * The server named in the config ({@code use_patroni_api = false}): always the same address, no
 * fencing, and a failed connection is the client's error at once, as in pgcat.
 */
public final class FixedServer extends StaticTarget {
    private final Optional<ServerAddress> address;

    public FixedServer(ServerAddress address) {
        this.address = Optional.of(Objects.requireNonNull(address, "address"));
    }

    @Override
    public Optional<ServerAddress> address() {
        return address;
    }

    @Override
    public String toString() {
        return "server " + address.get();
    }
}
