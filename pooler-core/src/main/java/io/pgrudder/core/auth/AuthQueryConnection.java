package io.pgrudder.core.auth;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerListener;
import io.pgrudder.core.backend.ServerLogin;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.Execute;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Sync;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The one server connection a pool runs its auth_query on: opened on first use (to where the
 * pool's own connections go, the Patroni leader included), logged in as auth_query_user, reused,
 * never handed to a client. Lookups queue and run one at a time, each as Parse/Bind/Execute/Sync
 * with the user name bound to {@code $1}. A lost connection, a protocol surprise or a timeout
 * closes it and fails what was waiting; the next lookup opens a new one (not before
 * {@link #REOPEN_DELAY_MILLIS} after a failed open, so a server that refuses is not hammered).
 *
 * <p>Confined to its event loop; {@link #lookup} may be called from any thread.
 */
final class AuthQueryConnection implements ServerListener {
    static final long REOPEN_DELAY_MILLIS = 1000;
    /** More lookups waiting than this fail at once: the server is not keeping up. */
    static final int MAX_WAITING = 1000;
    static final String APPLICATION_NAME = "pgrudder auth_query";

    private record Lookup(String username, Promise<AuthQueryResult> promise) {
    }

    private final AuthQuerySettings settings;
    private final ServerTarget target;
    private final ServerConnector connector;
    private final EventLoop loop;

    private final ArrayDeque<Lookup> waiting = new ArrayDeque<>();
    private ServerConnection server;
    private boolean connecting;
    private boolean closed;
    private long reopenAfterNanos;
    private String lastOpenFailure;

    /** The lookup whose answer is coming, and what arrived of it so far. */
    private Lookup running;
    private ScheduledFuture<?> timeout;
    private List<byte[]> firstRow;
    private int rows;
    private String error;

    AuthQueryConnection(AuthQuerySettings settings, ServerTarget target, ServerConnector connector, EventLoop loop) {
        this.settings = settings;
        this.target = target;
        this.connector = connector;
        this.loop = loop;
    }

    AuthQuerySettings settings() {
        return settings;
    }

    /** Runs the query for {@code username}; the future completes on this connection's loop and never fails. */
    Future<AuthQueryResult> lookup(String username) {
        Promise<AuthQueryResult> promise = loop.newPromise();
        loop.execute(() -> enqueue(new Lookup(username, promise)));
        return promise;
    }

    /** Closes the connection and answers whatever waits; the object is done. */
    void close() {
        loop.execute(() -> {
            closed = true;
            drop("the pool's auth_query settings changed or the pooler is closing");
        });
    }

    private void enqueue(Lookup lookup) {
        if (closed) {
            lookup.promise().trySuccess(AuthQueryResult.failed("auth_query settings changed meanwhile"));
        } else if (waiting.size() >= MAX_WAITING) {
            lookup.promise().trySuccess(AuthQueryResult.failed(MAX_WAITING + " auth_query lookups are already waiting"));
        } else {
            waiting.add(lookup);
            next();
        }
    }

    private void next() {
        if (closed || running != null || waiting.isEmpty()) {
            return;
        }
        if (server == null) {
            if (!connecting) {
                open();
            }
            return;
        }
        running = waiting.poll();
        firstRow = null;
        rows = 0;
        error = null;
        byte[] name = running.username().getBytes(StandardCharsets.UTF_8);
        server.write(Frames.encoded(server.channel().alloc(), new Parse("", settings.query(), new int[0])::encode));
        server.write(Frames.encoded(server.channel().alloc(),
                new Bind("", "", new short[0], List.of(name), new short[0])::encode));
        server.write(Frames.encoded(server.channel().alloc(), new Execute("", 0)::encode));
        server.writeAndFlush(Frames.encoded(server.channel().alloc(), Sync.INSTANCE::encode));
        long millis = settings.timeout().toMillis();
        timeout = loop.schedule(() -> broken("no answer within " + millis + " ms"), millis, TimeUnit.MILLISECONDS);
    }

    private void open() {
        if (System.nanoTime() - reopenAfterNanos < 0) {
            failWaiting(lastOpenFailure);
            return;
        }
        Optional<ServerAddress> address = target.address();
        if (address.isEmpty()) {
            failWaiting("no server to run it on (" + target + " is not known now)");
            return;
        }
        connecting = true;
        ServerLogin login = new ServerLogin(address.get(), settings.database(), settings.user(), settings.password(),
                Map.of("application_name", APPLICATION_NAME), settings.timeout(), target.requirePrimary(), settings.tls());
        connector.connect(loop, login).addListener((Future<ServerConnection> f) -> {
            connecting = false;
            if (!f.isSuccess()) {
                String why = f.cause() instanceof PgException pg ? pg.sqlState() + " " + pg.getMessage() : String.valueOf(f.cause());
                lastOpenFailure = "cannot log in to " + address.get().host() + ":" + address.get().port() + " as "
                        + settings.user() + ": " + why;
                reopenAfterNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REOPEN_DELAY_MILLIS);
                failWaiting(lastOpenFailure);
                return;
            }
            ServerConnection opened = f.getNow();
            if (closed) {
                opened.channel().close();
                return;
            }
            server = opened;
            server.listener(this);
            next();
        });
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void serverFrame(ServerConnection from, ByteBuf frame) {
        try {
            if (from != server) {
                return;
            }
            if (running == null) {
                byte type = Frames.type(frame);
                if (type != MessageType.PARAMETER_STATUS && type != MessageType.NOTICE_RESPONSE) {
                    broken("sent message type '" + (char) type + "' while no query was running");
                }
                return;
            }
            answer(frame);
        } finally {
            frame.release();
        }
    }

    private void answer(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        switch (Frames.type(frame)) {
            case MessageType.DATA_ROW -> {
                if (rows++ == 0) {
                    firstRow = DataRow.decode(body).values();
                }
            }
            case MessageType.ERROR_RESPONSE -> {
                ErrorResponse e = ErrorResponse.decode(body);
                error = e.sqlState() + " " + e.message();
            }
            case MessageType.READY_FOR_QUERY -> {
                byte status = ReadyForQuery.decode(body).transactionStatus();
                Lookup done = running;
                running = null;
                timeout.cancel(false);
                done.promise().trySuccess(result(done.username()));
                if (status != ReadyForQuery.IDLE) {
                    broken("was left in a transaction (status '" + (char) status + "')");
                    return;
                }
                next();
            }
            case MessageType.PARSE_COMPLETE, MessageType.BIND_COMPLETE, MessageType.COMMAND_COMPLETE,
                 MessageType.NOTICE_RESPONSE, MessageType.PARAMETER_STATUS, MessageType.EMPTY_QUERY_RESPONSE,
                 MessageType.ROW_DESCRIPTION, MessageType.NO_DATA -> {
            }
            default -> broken("sent unexpected message type '" + (char) Frames.type(frame) + "' answering auth_query");
        }
    }

    /** pgcat's and PgBouncer's contract: one row, (user name, password); a NULL password cannot log in. */
    private AuthQueryResult result(String username) {
        if (error != null) {
            return AuthQueryResult.failed("auth_query failed: " + error);
        }
        if (rows == 0) {
            return AuthQueryResult.noSecret("auth_query found no such role (or it cannot log in)");
        }
        if (rows > 1) {
            return AuthQueryResult.failed("auth_query returned " + rows + " rows, expected one");
        }
        if (firstRow.size() != 2) {
            return AuthQueryResult.failed("auth_query returned " + firstRow.size() + " columns, expected two"
                    + " (user name, password)");
        }
        byte[] name = firstRow.get(0);
        if (name != null && !username.equals(new String(name, StandardCharsets.UTF_8))) {
            return AuthQueryResult.failed("auth_query returned a row for another user name");
        }
        byte[] secret = firstRow.get(1);
        if (secret == null || secret.length == 0) {
            return AuthQueryResult.noSecret("auth_query returned no password (NULL: none set, or it expired)");
        }
        return AuthQueryResult.found(new String(secret, StandardCharsets.UTF_8));
    }

    @Override
    public void serverReadComplete(ServerConnection from) {
    }

    @Override
    public void serverClosed(ServerConnection from, Throwable cause) {
        if (from == server) {
            server = null;
            if (running != null) {
                failRunning("the server closed the auth_query connection");
            }
            next();
        }
    }

    /** Something went wrong on the connection: close it, fail the running lookup, start over for the rest. */
    private void broken(String why) {
        ServerConnection s = server;
        server = null;
        if (s != null) {
            s.listener(null);
            s.channel().close();
        }
        if (running != null) {
            failRunning("auth_query connection " + why);
        }
        next();
    }

    private void failRunning(String why) {
        Lookup failed = running;
        running = null;
        if (timeout != null) {
            timeout.cancel(false);
        }
        failed.promise().trySuccess(AuthQueryResult.failed(why));
    }

    private void drop(String why) {
        ServerConnection s = server;
        server = null;
        if (s != null) {
            s.listener(null);
            s.channel().close();
        }
        if (running != null) {
            failRunning(why);
        }
        failWaiting(why);
    }

    private void failWaiting(String why) {
        Lookup lookup;
        while ((lookup = waiting.poll()) != null) {
            lookup.promise().trySuccess(AuthQueryResult.failed(why));
        }
    }
}
