package io.pgrudder.core.backend;

import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.auth.ScramKeys;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What it takes to open one server connection: where, as whom, and the client's startup
 * parameters that become the session defaults on the server.
 *
 * @param password plaintext, an "md5…" hash, or null when the server is expected to trust us (or
 *                 {@code scramKeys} answer it); a SCRAM secret cannot log in by itself
 * @param scramKeys a client's SCRAM keys for this user (pass-through), used when the server asks for
 *                  SCRAM; null when the password is plaintext
 * @param requirePrimary the connection is for writes: the login fails (57P03) unless the server
 *                       says it is not a standby ({@code in_hot_standby = off}, or
 *                       {@code pg_is_in_recovery()} is false on servers before 14)
 * @param tls whether and how the connection uses TLS ({@code server_tls} and friends)
 */
public record ServerLogin(ServerAddress address, String database, String username, String password,
                          Map<String, String> startupParameters, Duration connectTimeout, boolean requirePrimary,
                          ServerTls tls, ScramKeys scramKeys) {
    public ServerLogin {
        startupParameters = Map.copyOf(startupParameters);
        Objects.requireNonNull(tls, "tls");
    }

    /** A login with a password (or none), no pass-through keys. */
    public ServerLogin(ServerAddress address, String database, String username, String password,
                       Map<String, String> startupParameters, Duration connectTimeout, boolean requirePrimary,
                       ServerTls tls) {
        this(address, database, username, password, startupParameters, connectTimeout, requirePrimary, tls, null);
    }

    /** A plaintext login that takes the server as it is (no primary check). */
    public ServerLogin(ServerAddress address, String database, String username, String password,
                       Map<String, String> startupParameters, Duration connectTimeout) {
        this(address, database, username, password, startupParameters, connectTimeout, false, ServerTls.DISABLED);
    }

    /** A plaintext login. */
    public ServerLogin(ServerAddress address, String database, String username, String password,
                       Map<String, String> startupParameters, Duration connectTimeout, boolean requirePrimary) {
        this(address, database, username, password, startupParameters, connectTimeout, requirePrimary, ServerTls.DISABLED);
    }

    @Override
    public String toString() {
        return "ServerLogin[" + username + "@" + address.host() + ":" + address.port() + "/" + database + "]";
    }
}
