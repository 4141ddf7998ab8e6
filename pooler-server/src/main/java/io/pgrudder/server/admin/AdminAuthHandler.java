package io.pgrudder.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.client.ClientErrors;
import io.pgrudder.core.client.LoginTimeout;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.auth.ScramClient;
import io.pgrudder.protocol.auth.ScramServer;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.AuthenticationOk;
import io.pgrudder.protocol.backend.AuthenticationSASL;
import io.pgrudder.protocol.backend.AuthenticationSASLContinue;
import io.pgrudder.protocol.backend.AuthenticationSASLFinal;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.SASLInitialResponse;
import io.pgrudder.protocol.frontend.SASLResponse;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Authenticates the admin user against {@code admin_password} per {@code admin_auth_type}
 * (trust, md5, scram-sha-256), with the same protocol classes the pooler's client login uses,
 * then sends pgcat's admin parameters and hands over to {@link AdminSessionHandler}.
 */
final class AdminAuthHandler extends ChannelInboundHandlerAdapter {
    private enum Step { MD5, SASL_INITIAL, SASL_FINAL, DONE }

    private final Pooler pooler;
    private final AdminDatabase.Control control;
    private final ConsoleState state;
    private final String user;
    private final String database;
    private Step step;
    private byte[] salt;
    private ScramServer scram;

    AdminAuthHandler(Pooler pooler, AdminDatabase.Control control, ConsoleState state, String user, String database) {
        this.state = state;
        this.pooler = pooler;
        this.control = control;
        this.user = user;
        this.database = database;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        GeneralConfig general = pooler.config().general();
        switch (general.adminAuthType()) {
            case TRUST -> done(ctx);
            case MD5 -> {
                salt = Md5Password.newSalt();
                step = Step.MD5;
                ctx.writeAndFlush(Frames.encoded(ctx.alloc(), new AuthenticationMD5Password(salt)::encode));
            }
            case SCRAM_SHA_256 -> {
                step = Step.SASL_INITIAL;
                ctx.writeAndFlush(Frames.encoded(ctx.alloc(),
                        new AuthenticationSASL(List.of(ScramClient.MECHANISM))::encode));
            }
        }
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
                throw PgException.protocolViolation("expected a password response");
            }
            respond(ctx, Frames.body(frame));
        } catch (PgException e) {
            step = Step.DONE;
            if (SqlState.INVALID_PASSWORD.equals(e.sqlState())) {
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> ClientErrors.send(ctx.channel(), e),
                        Pooler.AUTH_FAILURE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                ClientErrors.send(ctx.channel(), PgException.fatal(e.sqlState(), e.getMessage()));
            }
        } finally {
            frame.release();
        }
    }

    private void respond(ChannelHandlerContext ctx, ByteBuf body) {
        String password = pooler.config().general().adminPassword();
        switch (step) {
            case MD5 -> {
                if (!Md5Password.verify(PasswordMessage.decode(body).password(), user, password, salt)) {
                    throw failed();
                }
                done(ctx);
            }
            case SASL_INITIAL -> {
                SASLInitialResponse initial = SASLInitialResponse.decode(body);
                if (!ScramClient.MECHANISM.equals(initial.mechanism()) || initial.data() == null) {
                    throw PgException.protocolViolation("client selected an invalid SASL authentication mechanism");
                }
                scram = new ScramServer(user, pooler.scramSecret(user, password), pooler.mockNonceKey());
                step = Step.SASL_FINAL;
                ctx.writeAndFlush(Frames.encoded(ctx.alloc(),
                        new AuthenticationSASLContinue(scram.handleClientFirst(initial.data()))::encode));
            }
            case SASL_FINAL -> {
                byte[] serverFinal = scram.handleClientFinal(SASLResponse.decode(body).data());
                ctx.write(Frames.encoded(ctx.alloc(), new AuthenticationSASLFinal(serverFinal)::encode));
                done(ctx);
            }
            default -> throw PgException.protocolViolation("unexpected password response");
        }
    }

    private PgException failed() {
        return PgException.fatal(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + user + "\"");
    }

    private void done(ChannelHandlerContext ctx) {
        step = Step.DONE;
        ctx.write(Frames.encoded(ctx.alloc(), AuthenticationOk.INSTANCE::encode));
        LoginTimeout.loggedIn(ctx.channel());
        // pgcat's admin parameters.
        ctx.write(Frames.encoded(ctx.alloc(), new ParameterStatus("application_name", "")::encode));
        ctx.write(Frames.encoded(ctx.alloc(), new ParameterStatus("client_encoding", "UTF8")::encode));
        ctx.write(Frames.encoded(ctx.alloc(), new ParameterStatus("server_encoding", "UTF8")::encode));
        ctx.write(Frames.encoded(ctx.alloc(), new ParameterStatus("server_version", "1.3.0")::encode));
        ctx.write(Frames.encoded(ctx.alloc(), new ParameterStatus("DateStyle", "ISO, MDY")::encode));
        ctx.write(Frames.encoded(ctx.alloc(), new ParameterStatus("standard_conforming_strings", "on")::encode));
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] secret = new byte[4];
        r.nextBytes(secret);
        ctx.write(Frames.encoded(ctx.alloc(), new BackendKeyData(r.nextInt(1, Integer.MAX_VALUE), secret)::encode));
        ctx.writeAndFlush(Frames.encoded(ctx.alloc(), ReadyForQuery.IDLE_INSTANCE::encode));
        ctx.pipeline().replace(this, "admin", new AdminSessionHandler(pooler, control, state, user, database));
        state.adminSessions.incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> state.adminSessions.decrementAndGet());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = ClientErrors.unwrap(cause);
        if (root instanceof PgException pg) {
            ClientErrors.send(ctx.channel(), PgException.fatal(pg.sqlState(), pg.getMessage()));
        } else {
            ctx.close();
        }
    }
}
