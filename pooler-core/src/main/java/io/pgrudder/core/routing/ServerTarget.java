package io.pgrudder.core.routing;

import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.PgException;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where a pool opens its server connections, asked at connect time rather than fixed when the
 * pool is built. A pool also asks it whether a connection it holds may still be used (at hand-out
 * and at release), and is told when the answer may have changed.
 *
 * <p>Implementations are thread-safe: {@link #address()} and {@link #accepts} are called from the
 * pool's event loop, listeners run on whatever thread learns of the change.
 */
public interface ServerTarget {

    /** The server to connect to now, or empty while none is known (waiters then wait). */
    Optional<ServerAddress> address();

    /**
     * Whether there is a server to connect to now. Unlike {@link #address()}, which may take the
     * next server in turn, asking this has no effect on where connections go.
     */
    default boolean known() {
        return address().isPresent();
    }

    /** True while a connection to {@code server} may be handed out and reused. */
    default boolean accepts(ServerAddress server) {
        return address().map(a -> sameServer(a, server)).orElse(false);
    }

    /** How many servers new connections are spread over now (at least 1). */
    default int spread() {
        return 1;
    }

    /**
     * The servers new connections are spread over right now, when there are several (the healthy
     * replicas of a cluster); empty for a single server. A pool moves idle connections off a
     * server holding more than its share when one of these holds less, so that a replica that is
     * healthy again gets its part of the load.
     */
    default List<ServerAddress> spreadOver() {
        return List.of();
    }

    /** Connections must be to a primary: the login is fenced and a standby is never used. */
    boolean requirePrimary();

    /**
     * Runs {@code listener} each time {@link #address()} may have changed (and once soon after
     * subscribing). It may run on any thread; it must only hop to the pool's loop.
     *
     * @return stops the calls (the pool closed or retired); idempotent
     */
    Runnable onChange(Runnable listener);

    /**
     * A connection attempt failed with {@code cause}: true when that is what a node that is just
     * changing role looks like (refused, shutting down, a standby), so the pool should ask again
     * ({@link #suspect()}) and retry within {@link #waitLimit()} instead of failing the client.
     */
    boolean retryable(PgException cause);

    /** A connection to {@code server} failed: a target that spreads over several may avoid it for a while. */
    default void connectFailed(ServerAddress server, PgException cause) {
    }

    /** The target looks wrong (a standby answered, or it refused): find out again now. */
    void suspect();

    /**
     * How long a checkout may wait while there is no usable target (no leader, or the leader
     * refuses connections); zero when waiting for a target makes no sense.
     */
    Duration waitLimit();

    /**
     * The error for a checkout that waited {@link #waitLimit()} for a usable target.
     *
     * @param lastFailure the last failed connection attempt, or null when none was made
     */
    PgException unavailable(PgException lastFailure);

    /** Host and port equal (the role in the config entry does not matter). */
    static boolean sameServer(ServerAddress a, ServerAddress b) {
        return a.port() == b.port() && a.host().equals(b.host());
    }

    /** The servers this target does not send new connections to now (SHOW BANS); none by default. */
    default List<ServerBan> bans() {
        return List.of();
    }

    /**
     * The admin console's BAN: the replicas {@code pattern} names ({@code host} or {@code host:port})
     * get no new connections for {@code duration}; returns them. Primaries are never banned (as in
     * pgcat): a target of writes bans nothing.
     */
    default List<ServerAddress> ban(String pattern, java.time.Duration duration) {
        return List.of();
    }

    /** The admin console's UNBAN: lifts the bans {@code pattern} names; returns the servers. */
    default List<ServerAddress> unban(String pattern) {
        return List.of();
    }
}
