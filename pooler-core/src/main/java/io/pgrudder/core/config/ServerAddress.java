package io.pgrudder.core.config;

import java.util.Objects;

/** One entry of {@code servers = [[host, port, role], ...]}. */
public record ServerAddress(String host, int port, Role role) {
    public ServerAddress {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(role, "role");
    }

    @Override
    public String toString() {
        return host + ":" + port + " (" + role.configName() + ")";
    }
}
