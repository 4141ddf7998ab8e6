package io.pgrudder.core.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.core.auth.PassThroughSecret;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerLogin;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.auth.ScramKeys;
import io.pgrudder.protocol.auth.ScramSecret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Opens a pool's server connections and decides what a failure means: a node changing role
 * (the target says so) is retried shortly while waiters wait up to the target's limit; a
 * transient failure (refused, starting up, full) is retried while waiters wait up to
 * connect_timeout; anything else is the first waiter's error. Confined to the pool's loop.
 */
final class ServerOpener {
    private static final Logger log = LoggerFactory.getLogger(ServerOpener.class);
    static final long RETRY_DELAY_MILLIS = 100;

    /** What the opener needs of its pool. */
    interface Owner {
        void onLoop(Runnable task);

        boolean closed();

        /** A connection logged in (not yet on any list). */
        void opened(ServerConnection server);

        /** A failure that is a waiter's error now (not retried). */
        void failed(Map<String, String> startupParameters, PgException cause);

        /** Time to try again: serve waiters, open what they need. */
        void retryNow();

        /** A node does not take connections for now: waiters wait for the target. */
        void targetUnavailable();

        boolean anyWaiting();
    }

    private final PoolSettings settings;
    private final ServerTarget target;
    private final ServerConnector connector;
    private final EventLoop loop;
    private final Owner owner;

    private int connecting;
    /** A retryable failure happened; no new attempt until it runs. */
    private ScheduledFuture<?> retry;
    /** Why the target's server is not usable now (a role change under way), until one opens. */
    private PgException targetTrouble;
    /** The last transient failure, until a connection opens. */
    private PgException lastConnectFailure;

    ServerOpener(PoolSettings settings, ServerTarget target, ServerConnector connector, EventLoop loop, Owner owner) {
        this.settings = settings;
        this.target = target;
        this.connector = connector;
        this.loop = loop;
        this.owner = owner;
    }

    int connecting() {
        return connecting;
    }

    boolean retrying() {
        return retry != null;
    }

    void cancelRetry() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    PgException targetTrouble() {
        return targetTrouble;
    }

    PgException lastConnectFailure() {
        return lastConnectFailure;
    }

    /** A login to {@code address} with this pool's credentials, timeout and TLS. */
    ServerLogin login(ServerAddress address, Map<String, String> startupParameters, boolean requirePrimary) {
        String password = settings.serverPassword();
        ScramKeys keys = null;
        PassThroughSecret passThrough = settings.passThrough();
        if (passThrough != null) {
            if (password == null) {
                password = passThrough.secret(); // what auth_query returned at the last login
            }
            if (password != null && ScramSecret.looksLikeScramSecret(password)) {
                // Only a client's SCRAM login yields what answers the server; without it the login
                // handler says so (the secret itself cannot log in).
                keys = passThrough.keysFor(password);
                if (keys != null) {
                    password = null;
                }
            }
        }
        return new ServerLogin(address, settings.database(), settings.serverUsername(), password,
                startupParameters, settings.connectTimeout(), requirePrimary, settings.serverTls(), keys);
    }

    void open(ServerAddress address, Map<String, String> startupParameters, EventLoop on) {
        connecting++;
        ServerLogin login = login(address, startupParameters, target.requirePrimary());
        connector.connect(on, login).addListener((Future<ServerConnection> f) -> owner.onLoop(() -> {
            connecting--;
            if (!f.isSuccess()) {
                PgException cause = f.cause() instanceof PgException pg ? pg
                        : PgException.fatal(SqlState.CONNECTION_FAILURE, String.valueOf(f.cause()));
                target.connectFailed(address, cause);
                if (!owner.closed() && target.retryable(cause) && !ServerTls.isTlsFailure(cause)) {
                    retryLater(address, cause);
                } else {
                    connectFailed(startupParameters, cause);
                }
                return;
            }
            ServerConnection server = f.getNow();
            lastConnectFailure = null;
            if (targetTrouble != null && target.accepts(server.address())) {
                log.info("{}: {} accepts connections again", settings, server.address().host() + ":"
                        + server.address().port());
                targetTrouble = null;
            }
            owner.opened(server);
        }));
    }

    /**
     * A node changing role refused us (or turned out to be a standby): ask the target to look
     * again, and try again shortly, or at once when the target changes. Waiters keep waiting,
     * up to the target's wait limit ({@link Waiters}).
     */
    private void retryLater(ServerAddress address, PgException cause) {
        if (targetTrouble == null) {
            log.warn("{}: {} is not usable for now, retrying within {} ms: {}", settings,
                    address.host() + ":" + address.port(), target.waitLimit().toMillis(), cause.getMessage());
        } else {
            log.debug("{}: retrying {}: {}", settings, address.host() + ":" + address.port(), cause.getMessage());
        }
        targetTrouble = cause;
        owner.targetUnavailable();
        target.suspect();
        scheduleRetry();
    }

    private void connectFailed(Map<String, String> startupParameters, PgException cause) {
        log.warn("{}: {}", settings, cause.getMessage());
        if (isTransient(cause) && owner.anyWaiting()) {
            // The server may be restarting: waiters keep waiting (up to connect_timeout) while we retry.
            lastConnectFailure = cause;
            scheduleRetry();
            return;
        }
        owner.failed(startupParameters, cause);
    }

    private void scheduleRetry() {
        if (retry == null) {
            retry = loop.schedule(() -> owner.onLoop(() -> {
                retry = null;
                owner.retryNow();
            }), RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Connection classes worth retrying: refused, reset, the server starting up or full. */
    private static boolean isTransient(PgException cause) {
        if (ServerTls.isTlsFailure(cause)) {
            return false; // a certificate or a refusal of TLS does not change within connect_timeout
        }
        String state = cause.sqlState();
        return state.startsWith("08") && !state.equals(SqlState.PROTOCOL_VIOLATION)
                || state.equals(SqlState.CANNOT_CONNECT_NOW) || state.equals(SqlState.TOO_MANY_CONNECTIONS)
                || state.equals(SqlState.ADMIN_SHUTDOWN);
    }
}
