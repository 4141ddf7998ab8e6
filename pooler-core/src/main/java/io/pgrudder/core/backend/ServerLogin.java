package io.pgrudder.core.backend;

import io.pgrudder.core.config.ServerAddress;

import java.time.Duration;
import java.util.Map;

/**
 * What it takes to open one server connection: where, as whom, and the client's startup
 * parameters that become the session defaults on the server.
 *
 * @param password plaintext, an "md5…" hash, or null when the server is expected to trust us
 */
public record ServerLogin(ServerAddress address, String database, String username, String password,
                          Map<String, String> startupParameters, Duration connectTimeout) {
    public ServerLogin {
        startupParameters = Map.copyOf(startupParameters);
    }

    @Override
    public String toString() {
        return "ServerLogin[" + username + "@" + address.host() + ":" + address.port() + "/" + database + "]";
    }
}
