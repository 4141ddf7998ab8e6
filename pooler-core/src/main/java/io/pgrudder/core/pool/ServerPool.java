package io.pgrudder.core.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.notify.NotificationHub;
import io.pgrudder.core.routing.ServerTarget;

import java.util.Map;

/**
 * What a client session needs of a pool: a server connection when it has something to send,
 * a way to give it back, and what the pool knows about servers. {@link Pool} is the one the
 * pooler runs; tests of the session state machine give it one of their own.
 */
public interface ServerPool {
    PoolSettings settings();

    ServerTarget target();

    /** The prepared statement names shared by this pool's clients (transaction mode). */
    StatementRegistry statements();

    /** Completes {@code promise} with a connection opened with {@code startupParameters}; see {@link Pool#checkout}. */
    void checkout(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise);

    /** Gives back a connection a client held, cleaned as the plan says; see {@link Pool#release}. */
    void release(ServerConnection server, ReleasePlan plan);

    /** Whether the server at {@code address} still takes new connections (see NodeProbe). */
    Future<Boolean> acceptsConnections(ServerAddress address, EventLoop on);

    /** What servers reported for these client settings, or null when not seen yet. */
    Map<String, String> reportedParameters(Map<String, String> clientSettings);

    void reportedParameters(Map<String, String> clientSettings, Map<String, String> reported);

    /** LISTEN/NOTIFY for this pool's transaction-mode clients; null when LISTEN goes to the server (pinning). */
    default NotificationHub notifications() {
        return null;
    }
}
