package io.pgrudder.core.backend;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;

import java.util.Map;

/** A ServerConnection on an EmbeddedChannel, for unit tests of what records server state. */
public final class TestServerConnections {
    private TestServerConnections() {
    }

    public static ServerConnection embedded() {
        return new ServerConnection(new EmbeddedChannel(), new ServerAddress("localhost", 5432, Role.PRIMARY), Map.of());
    }
}
