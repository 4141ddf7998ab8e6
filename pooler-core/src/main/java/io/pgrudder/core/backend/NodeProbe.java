package io.pgrudder.core.backend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.util.Set;

/**
 * Asks a PostgreSQL server whether it still takes new connections, by logging in once and
 * leaving. A backend's FATAL 57P01 reads the same whether the postmaster is shutting down (fast
 * shutdown, a Patroni switchover) or an operator ran {@code pg_terminate_backend}: only the
 * postmaster's answer to a new login tells them apart. While it shuts down it refuses with
 * 57P03 "the database system is shutting down"; once gone, the connect fails.
 */
public final class NodeProbe {
    /** What a login fails with when the server is going away or gone (a timeout included). */
    private static final Set<String> GONE = Set.of(SqlState.CANNOT_CONNECT_NOW, SqlState.ADMIN_SHUTDOWN,
            SqlState.CRASH_SHUTDOWN, SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, SqlState.CONNECTION_FAILURE);

    private NodeProbe() {
    }

    /**
     * Completes (on {@code loop}, never failed) with true when the server accepted a login or
     * refused it for a reason of its own (a password, a role, too many connections: it is up),
     * false when it is shutting down or cannot be reached.
     */
    public static Future<Boolean> acceptsConnections(ServerConnector connector, EventLoop loop, ServerLogin login) {
        Promise<Boolean> answer = loop.newPromise();
        connector.connect(loop, login).addListener((Future<ServerConnection> f) -> {
            if (f.isSuccess()) {
                f.getNow().channel().close();
                answer.trySuccess(true);
                return;
            }
            answer.trySuccess(!GONE.contains(f.cause() instanceof PgException pg ? pg.sqlState() : SqlState.CONNECTION_FAILURE));
        });
        return answer;
    }
}
