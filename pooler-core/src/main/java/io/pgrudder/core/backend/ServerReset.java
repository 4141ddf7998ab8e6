package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cleans a server connection a client has left before the next client gets it: ROLLBACK when a
 * transaction is open, then the given statements (session mode: DISCARD ALL, which also RESETs
 * every setting to the session's startup value; transaction mode: only what the client left
 * behind). Succeeds only on a final ReadyForQuery 'I' with no error in between; anything else
 * means the connection's state is unknown and it must be closed.
 */
public final class ServerReset implements ServerListener {
    private static final Logger log = LoggerFactory.getLogger(ServerReset.class);

    private final ServerConnection server;
    private final Consumer<Boolean> done;
    private int awaiting;
    private boolean failed;
    private ScheduledFuture<?> timeout;

    private ServerReset(ServerConnection server, Consumer<Boolean> done) {
        this.server = server;
        this.done = done;
    }

    /** Starts the reset on the server's own loop; {@code done} is called there with the outcome. */
    public static void start(ServerConnection server, List<String> statements, Duration timeout, Consumer<Boolean> done) {
        EventExecutor loop = server.channel().eventLoop();
        loop.execute(() -> new ServerReset(server, done).begin(statements, timeout));
    }

    private void begin(List<String> statements, Duration limit) {
        if (!server.channel().isActive()) {
            finish(false);
            return;
        }
        server.listener(this);
        timeout = executor().schedule(() -> {
            log.warn("{}: reset did not finish within {} ms, closing it", server, limit.toMillis());
            finish(false);
        }, limit.toMillis(), TimeUnit.MILLISECONDS);
        if (server.transactionStatus() != ReadyForQuery.IDLE) {
            send("ROLLBACK");
        }
        for (String sql : statements) {
            send(sql);
        }
        if (statements.contains("DISCARD ALL") || statements.contains("RESET ALL")) {
            // Every setting pgrudder applied for some client is back at its default.
            server.clearApplied();
        }
        if (statements.contains("SET SESSION AUTHORIZATION DEFAULT")) {
            server.identityReset(true);
        } else if (statements.contains("RESET ROLE")) {
            server.identityReset(false);
        }
        if (statements.contains("DISCARD ALL") || statements.contains("DEALLOCATE ALL")) {
            server.statements().clear();
        }
        server.flush();
    }

    private void send(String sql) {
        server.write(Frames.encoded(server.channel().alloc(), new Query(sql)::encode));
        awaiting++;
    }

    @Override
    public EventExecutor executor() {
        return server.channel().eventLoop();
    }

    @Override
    public void serverFrame(ServerConnection from, ByteBuf frame) {
        try {
            switch (Frames.type(frame)) {
                case MessageType.ERROR_RESPONSE -> {
                    ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
                    log.info("{}: reset failed: {} {}", server, error.sqlState(), error.message());
                    failed = true;
                    server.statements().rolledBack();
                }
                case MessageType.COMMAND_COMPLETE -> {
                    if (CommandComplete.decode(Frames.body(frame)).tag().equals("ROLLBACK")) {
                        // The client's transaction: what was prepared in it is not to be trusted.
                        server.statements().rolledBack();
                    }
                }
                case MessageType.PARAMETER_STATUS -> {
                    ParameterStatus status = ParameterStatus.decode(Frames.body(frame));
                    server.parameter(status.name(), status.value());
                }
                case MessageType.READY_FOR_QUERY -> {
                    byte status = ReadyForQuery.decode(Frames.body(frame)).transactionStatus();
                    server.transactionStatus(status);
                    if (status == ReadyForQuery.IDLE) {
                        server.statements().idle();
                    }
                    if (--awaiting == 0) {
                        finish(!failed && status == ReadyForQuery.IDLE);
                    }
                }
                default -> {
                }
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void serverReadComplete(ServerConnection from) {
    }

    @Override
    public void serverClosed(ServerConnection from, Throwable cause) {
        finish(false);
    }

    private void finish(boolean clean) {
        if (awaiting < 0) {
            return;
        }
        awaiting = -1;
        if (timeout != null) {
            timeout.cancel(false);
        }
        server.listener(null);
        done.accept(clean);
    }
}
