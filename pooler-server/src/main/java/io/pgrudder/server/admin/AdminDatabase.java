package io.pgrudder.server.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.client.ClientErrors;
import io.pgrudder.core.stats.AdminConsole;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.codec.FrameDecoder;

import java.util.Map;
import java.util.Set;

/**
 * The virtual admin databases {@code pgcat}, {@code pgbouncer} and {@code pgrudder}: only
 * {@code admin_username} may connect (others get 28000 at once); then authentication per
 * {@code admin_auth_type}, then the console.
 */
public final class AdminDatabase implements AdminConsole {
    public static final Set<String> NAMES = Set.of("pgcat", "pgbouncer", "pgrudder");

    private final Pooler pooler;
    private final Control control;
    private final ConsoleState state = new ConsoleState();

    public AdminDatabase(Pooler pooler, Control control) {
        this.pooler = pooler;
        this.control = control;
    }

    @Override
    public boolean takeOver(ChannelHandlerContext ctx, String database, String user, Map<String, String> parameters) {
        if (!NAMES.contains(database)) {
            if (state.disabled.contains(database)) {
                // PgBouncer's DISABLE: new clients of the database are refused until ENABLE.
                ctx.writeAndFlush(ClientErrors.encode(ctx.channel(), PgException.fatal(SqlState.CANNOT_CONNECT_NOW,
                        "database \"" + database + "\" does not allow connections: it was DISABLEd on the admin "
                                + "console; ENABLE " + database + " to let clients in again")))
                        .addListener(ChannelFutureListener.CLOSE);
                ctx.pipeline().remove(ctx.handler());
                return true;
            }
            return false;
        }
        if (!user.equals(pooler.config().general().adminUsername())) {
            ctx.writeAndFlush(ClientErrors.encode(ctx.channel(), PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "user \"" + user + "\" may not use the admin database \"" + database
                            + "\"; connect as general.admin_username")))
                    .addListener(ChannelFutureListener.CLOSE);
            ctx.pipeline().remove(ctx.handler());
            return true;
        }
        ctx.pipeline().addAfter(ctx.name(), "frames", new FrameDecoder(64 * 1024));
        ctx.pipeline().addAfter("frames", "admin-auth", new AdminAuthHandler(pooler, control, state, user, database));
        ctx.pipeline().remove(ctx.handler());
        return true;
    }

    /** What the console can ask of the running process. */
    public interface Control {
        /** Reloads the config; completes with a line saying what happened. */
        java.util.concurrent.CompletableFuture<String> reload();

        /** Starts the graceful shutdown (as SIGINT). */
        void shutdown(String why);

        /**
         * Runs a change of the pool set (RECONNECT, KILL) on the thread reloads run on, so swaps
         * never overlap and no event loop waits for one.
         */
        <T> java.util.concurrent.CompletableFuture<T> swapPools(java.util.function.Supplier<T> swap);
    }
}
