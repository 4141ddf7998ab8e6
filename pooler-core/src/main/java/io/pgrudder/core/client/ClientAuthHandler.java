package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.auth.AuthQueryResult;
import io.pgrudder.core.config.AuthType;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.UserConfig;
import io.pgrudder.core.pool.PoolRoutes;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.auth.ScramClient;
import io.pgrudder.protocol.auth.ScramKeys;
import io.pgrudder.protocol.auth.ScramSecret;
import io.pgrudder.protocol.auth.ScramServer;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.AuthenticationOk;
import io.pgrudder.protocol.backend.AuthenticationSASL;
import io.pgrudder.protocol.backend.AuthenticationSASLContinue;
import io.pgrudder.protocol.backend.AuthenticationSASLFinal;
import io.pgrudder.protocol.codec.FrameDecoder;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.SASLInitialResponse;
import io.pgrudder.protocol.frontend.SASLResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Authenticates a client against the pool's user list: trust, md5 or SCRAM-SHA-256. A user that
 * does not exist goes through the same exchange (md5 or a mock SCRAM secret) and fails with the
 * same message after the same delay as a wrong password.
 */
final class ClientAuthHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientAuthHandler.class);

    private enum Step { AUTH_QUERY, MD5_PASSWORD, SASL_INITIAL_RESPONSE, SASL_RESPONSE, DONE }

    private final Pooler pooler;
    private final String database;
    private final String username;
    private final Map<String, String> parameters;
    private final UserConfig user;
    /** The user's secret comes from the pool's auth_query rather than from the config. */
    private final boolean viaAuthQuery;
    /** What the client is checked against: the configured password, or what auth_query returned (null: nothing). */
    private String stored;
    private Step step;
    private byte[] md5Salt;
    private ScramServer scram;

    ClientAuthHandler(Pooler pooler, String database, String username, Map<String, String> parameters) {
        this.pooler = pooler;
        this.database = database;
        this.username = username;
        this.parameters = parameters;
        PoolConfig pool = pooler.pools().database(database).orElse(null);
        this.user = pool == null ? null : pool.user(username).orElse(null);
        this.viaAuthQuery = pool != null && pool.authQueryConfigured()
                && (user == null || (user.password() == null && user.authType() != AuthType.TRUST));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!viaAuthQuery) {
            stored = user == null ? null : user.password();
            challenge(ctx, user != null ? user.authType() : mockMethod());
            return;
        }
        step = Step.AUTH_QUERY;
        PoolConfig pool = pooler.pools().database(database).orElseThrow();
        pooler.authQuery(pool, username).addListener(f -> ctx.executor().execute(() -> {
            if (step != Step.AUTH_QUERY || !ctx.channel().isActive()) {
                return;
            }
            AuthQueryResult result = (AuthQueryResult) f.getNow();
            if (!result.found()) {
                // The client hears "password authentication failed" whatever the reason; the log says which.
                log.info("client {}: no usable secret for user {} in pool {}: {}", ctx.channel().remoteAddress(),
                        username, database, result.reason());
            }
            stored = result.secret();
            // The method follows the secret, as PostgreSQL's does; unknown users get SCRAM, the default since PG 14.
            challenge(ctx, result.isMd5Hash() ? AuthType.MD5 : AuthType.SCRAM_SHA_256);
        }));
    }

    private void challenge(ChannelHandlerContext ctx, AuthType method) {
        switch (method) {
            case TRUST -> authenticated(ctx);
            case MD5 -> {
                md5Salt = Md5Password.newSalt();
                step = Step.MD5_PASSWORD;
                send(ctx, new AuthenticationMD5Password(md5Salt)::encode);
            }
            case SCRAM_SHA_256 -> {
                step = Step.SASL_INITIAL_RESPONSE;
                send(ctx, new AuthenticationSASL(List.of(ScramClient.MECHANISM))::encode);
            }
        }
    }

    /** For a user that does not exist: the method its pool's users mostly use, so nothing stands out. */
    private AuthType mockMethod() {
        PoolConfig pool = pooler.pools().database(database).orElseThrow();
        boolean anyScram = pool.users().values().stream().anyMatch(u -> u.authType() == AuthType.SCRAM_SHA_256);
        return anyScram ? AuthType.SCRAM_SHA_256 : AuthType.MD5;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (step == Step.DONE) {
                return;
            }
            byte type = Frames.type(frame);
            if (type == MessageType.TERMINATE) {
                step = Step.DONE;
                ctx.close();
                return;
            }
            if (type != MessageType.PASSWORD_MESSAGE) {
                // describeType, not the raw byte: a NUL in the message could not be sent.
                throw PgException.protocolViolation("expected a password response, received message type "
                        + Frames.describeType(type));
            }
            respond(ctx, Frames.body(frame));
        } catch (PgException e) {
            if (SqlState.INVALID_PASSWORD.equals(e.sqlState())) {
                rejectLater(ctx, e);
            } else {
                reject(ctx, e);
            }
        } finally {
            frame.release();
        }
    }

    private void respond(ChannelHandlerContext ctx, ByteBuf body) {
        switch (step) {
            case MD5_PASSWORD -> {
                String response = PasswordMessage.decode(body).password();
                boolean ok = stored != null && (viaAuthQuery || user != null)
                        && Md5Password.verify(response, username, stored, md5Salt);
                if (!ok) {
                    throw passwordFailed();
                }
                passedThrough(null);
                authenticated(ctx);
            }
            case SASL_INITIAL_RESPONSE -> {
                SASLInitialResponse initial = SASLInitialResponse.decode(body);
                if (!ScramClient.MECHANISM.equals(initial.mechanism())) {
                    throw PgException.protocolViolation("client selected an invalid SASL authentication mechanism");
                }
                if (initial.data() == null) {
                    throw PgException.protocolViolation("malformed SCRAM message (empty client-first message)");
                }
                scram = newScramServer();
                byte[] serverFirst = scram.handleClientFirst(initial.data());
                step = Step.SASL_RESPONSE;
                send(ctx, new AuthenticationSASLContinue(serverFirst)::encode);
            }
            case SASL_RESPONSE -> {
                byte[] serverFinal = scram.handleClientFinal(SASLResponse.decode(body).data());
                send(ctx, new AuthenticationSASLFinal(serverFinal)::encode);
                passedThrough(ScramSecret.looksLikeScramSecret(stored) ? scram.recoveredKeys() : null);
                authenticated(ctx);
            }
            default -> throw PgException.protocolViolation("unexpected password response");
        }
    }

    private ScramServer newScramServer() {
        if (viaAuthQuery) {
            // Not through the pooler's per-config cache: auth_query secrets come and go.
            return ScramServer.forStoredSecret(username, stored, pooler.mockNonceKey());
        }
        if (stored == null || user.authType() != AuthType.SCRAM_SHA_256) {
            return new ScramServer(username, null, pooler.mockNonceKey());
        }
        // A stored SCRAM secret is used as is; a plaintext one is derived once per config; an md5 hash
        // cannot do SCRAM and fails like a wrong password (as PostgreSQL does).
        return new ScramServer(username, pooler.scramSecret(username, stored), pooler.mockNonceKey());
    }

    /**
     * The client proved it knows the password: keep what lets the pool log in to the server as
     * this user (the auth_query secret; with a SCRAM secret, the keys the proof revealed).
     */
    private void passedThrough(ScramKeys keys) {
        if (viaAuthQuery) {
            pooler.passThrough().forUser(database, username).loggedIn(stored, keys);
        } else if (keys != null) {
            pooler.passThrough().existing(database, username).ifPresent(p -> p.loggedIn(null, keys));
        }
    }

    private PgException passwordFailed() {
        return PgException.fatal(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + username + "\"");
    }

    private void authenticated(ChannelHandlerContext ctx) {
        step = Step.DONE;
        PoolRoutes pool = pooler.pools().routes(database, username).orElse(null);
        if (pool == null && viaAuthQuery) {
            pool = pooler.discoveredPools().routes(pooler.config(), database, username).orElse(null);
            if (pool == null) {
                int max = pooler.pools().database(database).map(PoolConfig::authQueryMaxUsers).orElse(0);
                log.warn("pool {}: user {} logged in through auth_query but the pool already serves"
                        + " auth_query_max_users ({}) such users", database, username, max);
                reject(ctx, PgException.fatal(SqlState.TOO_MANY_CONNECTIONS, "pool \"" + database
                        + "\" already serves auth_query_max_users (" + max + ") users that only auth_query knows"));
                return;
            }
        }
        if (pool == null) {
            // Only a trust user can get here without a pool; it cannot happen with a valid config.
            reject(ctx, PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no pool for user \"" + username + "\" in database \"" + database + "\""));
            return;
        }
        send(ctx, AuthenticationOk.INSTANCE::encode);
        LoginTimeout.loggedIn(ctx.channel());
        FrameDecoder frames = ctx.pipeline().get(FrameDecoder.class);
        if (frames != null) {
            frames.maxMessageSize(pooler.maxMessageSize());
        }
        ClientSessionHandler session = new ClientSessionHandler(pooler, pool, username, parameters);
        ctx.pipeline().replace(this, "session", session);
    }

    /** Wrong password and unknown user look the same, including how long they take. */
    private void rejectLater(ChannelHandlerContext ctx, PgException e) {
        step = Step.DONE;
        log.info("client {} failed to authenticate as {} to {}", ctx.channel().remoteAddress(), username, database);
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> reject(ctx, e), Pooler.AUTH_FAILURE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reject(ChannelHandlerContext ctx, PgException e) {
        step = Step.DONE;
        ClientErrors.send(ctx.channel(), e);
        if (e.severity() != PgException.Severity.FATAL) {
            ctx.close();
        }
    }

    private static void send(ChannelHandlerContext ctx, Consumer<ByteBuf> encoder) {
        ByteBuf out = ctx.alloc().buffer();
        encoder.accept(out);
        ctx.writeAndFlush(out);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = ClientErrors.unwrap(cause);
        if (root instanceof PgException pg) {
            reject(ctx, pg);
        } else {
            log.debug("client {} failed during authentication: {}", ctx.channel().remoteAddress(), root.toString());
            ctx.close();
        }
    }
}
