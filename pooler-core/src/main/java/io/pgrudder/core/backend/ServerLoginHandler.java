package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.auth.ScramClient;
import io.pgrudder.protocol.auth.ScramSecret;
import io.pgrudder.protocol.backend.Authentication;
import io.pgrudder.protocol.backend.AuthenticationCleartextPassword;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.AuthenticationOk;
import io.pgrudder.protocol.backend.AuthenticationSASL;
import io.pgrudder.protocol.backend.AuthenticationSASLContinue;
import io.pgrudder.protocol.backend.AuthenticationSASLFinal;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.SASLInitialResponse;
import io.pgrudder.protocol.frontend.SASLResponse;
import io.pgrudder.protocol.frontend.StartupMessage;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Logs in to PostgreSQL: sends the StartupMessage (at once, or with TLS on once the
 * {@link ServerTlsNegotiator} in front has a TLS session or the server's leave to go on in
 * plaintext), answers whatever authentication the server
 * asks for (trust, cleartext, MD5, SCRAM-SHA-256), collects ParameterStatus and BackendKeyData,
 * and on the first ReadyForQuery replaces itself with the {@link ServerRelayHandler}.
 *
 * <p>A login for writes ({@link ServerLogin#requirePrimary()}) is fenced before it succeeds: the
 * server must have reported {@code in_hot_standby = off}; a server too old to report it (before
 * PostgreSQL 14) is asked {@code SELECT pg_is_in_recovery()}. A standby fails the login with
 * 57P03, so the pool closes it and looks for the real primary.
 */
final class ServerLoginHandler extends ChannelInboundHandlerAdapter {
    static final String RECOVERY_CHECK = "SELECT pg_is_in_recovery()";

    private final ServerConnection server;
    private final ServerLogin login;
    private final Promise<ServerConnection> result;
    private ScramClient scram;
    private ScheduledFuture<?> timeout;
    /** Logged in; waiting for the answer to {@link #RECOVERY_CHECK}. */
    private boolean checkingRecovery;
    /** The answer's one value ("t" or "f"), once its DataRow came. */
    private String inRecovery;

    ServerLoginHandler(ServerConnection server, ServerLogin login, Promise<ServerConnection> result) {
        this.server = server;
        this.login = login;
        this.result = result;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long millis = login.connectTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> fail(ctx, PgException.fatal(SqlState.CONNECTION_FAILURE,
                "server " + where() + " did not finish the login within " + millis + " ms")), millis, TimeUnit.MILLISECONDS);
        if (!login.tls().mode().usesTls()) {
            sendStartup(ctx);
        }
        ctx.fireChannelActive();
    }

    /** With TLS on, the {@link ServerTlsNegotiator} in front says when the StartupMessage may go. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                server.encrypted(true);
                sendStartup(ctx);
            } else {
                fail(ctx, tlsFailure(handshake.cause()));
            }
        } else if (evt == ServerTlsNegotiator.PLAINTEXT) {
            sendStartup(ctx);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void sendStartup(ChannelHandlerContext ctx) {
        if (result.isDone()) {
            return;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", login.username());
        parameters.put("database", login.database());
        parameters.putAll(login.startupParameters());
        ctx.writeAndFlush(Frames.encoded(ctx.alloc(), new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters)::encode));
    }

    /**
     * A failed TLS handshake as the client will read it: the server, whether it was the
     * certificate (and the JVM's reason, e.g. no trusted path or no matching name) or the
     * handshake itself, and the settings that applied. The SSLException stays in the cause chain,
     * which is how the pool knows not to retry it.
     */
    private PgException tlsFailure(Throwable cause) {
        if (!ServerTls.isTlsFailure(cause)) {
            // The connection went away or timed out mid-handshake (a server shutting down, say):
            // as transient as any other lost connection, so the pool may retry it.
            return PgException.fatal(SqlState.CONNECTION_FAILURE, "server " + where()
                    + " closed the connection during the TLS handshake (" + cause + ")");
        }
        boolean certificate = false;
        Throwable root = cause;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            certificate |= t instanceof java.security.cert.CertificateException;
            root = t;
        }
        String reason = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        String message = certificate
                ? "could not verify the certificate of server " + where() + " (" + login.tls().describe() + "): " + reason
                : "TLS handshake with server " + where() + " failed (" + login.tls().describe() + "): " + reason;
        return new PgException(PgException.Severity.FATAL, SqlState.CONNECTION_FAILURE, message, null, null, cause);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (!result.isDone()) {
                handle(ctx, frame);
            }
        } catch (PgException e) {
            fail(ctx, e);
        } finally {
            frame.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (checkingRecovery) {
            recoveryCheck(ctx, frame, body);
            return;
        }
        switch (Frames.type(frame)) {
            case MessageType.AUTHENTICATION_REQUEST -> authenticate(ctx, Authentication.decode(body));
            case MessageType.PARAMETER_STATUS -> {
                ParameterStatus status = ParameterStatus.decode(body);
                server.parameter(status.name(), status.value());
            }
            case MessageType.BACKEND_KEY_DATA -> {
                BackendKeyData key = BackendKeyData.decode(body);
                server.backendKey(key.processId(), key.secretKey());
            }
            case MessageType.ERROR_RESPONSE -> {
                ErrorResponse error = ErrorResponse.decode(body);
                throw new PgException(PgException.Severity.FATAL, error.sqlState(), error.message(),
                        error.detail(), error.hint(), null);
            }
            case MessageType.READY_FOR_QUERY -> {
                server.transactionStatus(ReadyForQuery.decode(body).transactionStatus());
                if (!login.requirePrimary()) {
                    succeed(ctx);
                    return;
                }
                String hotStandby = server.parameters().get(ServerConnection.IN_HOT_STANDBY);
                if (hotStandby == null) {
                    checkingRecovery = true;
                    ctx.writeAndFlush(Frames.encoded(ctx.alloc(), new Query(RECOVERY_CHECK)::encode));
                } else if ("off".equals(hotStandby)) {
                    succeed(ctx);
                } else {
                    throw standby("in_hot_standby = " + hotStandby);
                }
            }
            case MessageType.NOTICE_RESPONSE, MessageType.NEGOTIATE_PROTOCOL_VERSION -> {
            }
            default -> throw PgException.protocolViolation("server " + where()
                    + " sent unexpected message type '" + (char) Frames.type(frame) + "' during login");
        }
    }

    /** The reply to {@link #RECOVERY_CHECK}: RowDescription, DataRow, CommandComplete, ReadyForQuery. */
    private void recoveryCheck(ChannelHandlerContext ctx, ByteBuf frame, ByteBuf body) {
        switch (Frames.type(frame)) {
            case MessageType.DATA_ROW -> {
                List<byte[]> values = DataRow.decode(body).values();
                inRecovery = values.isEmpty() || values.get(0) == null ? null
                        : new String(values.get(0), StandardCharsets.US_ASCII);
            }
            case MessageType.ERROR_RESPONSE -> {
                ErrorResponse error = ErrorResponse.decode(body);
                throw PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "server " + where()
                        + " could not say whether it is a standby (" + RECOVERY_CHECK + "): "
                        + error.sqlState() + " " + error.message());
            }
            case MessageType.READY_FOR_QUERY -> {
                server.transactionStatus(ReadyForQuery.decode(body).transactionStatus());
                if ("f".equals(inRecovery)) {
                    succeed(ctx);
                } else {
                    throw standby("pg_is_in_recovery() = " + inRecovery);
                }
            }
            case MessageType.ROW_DESCRIPTION, MessageType.COMMAND_COMPLETE, MessageType.NOTICE_RESPONSE -> {
            }
            case MessageType.PARAMETER_STATUS -> {
                ParameterStatus status = ParameterStatus.decode(body);
                server.parameter(status.name(), status.value());
            }
            default -> throw PgException.protocolViolation("server " + where()
                    + " sent unexpected message type '" + (char) Frames.type(frame) + "' answering " + RECOVERY_CHECK);
        }
    }

    private PgException standby(String evidence) {
        server.markHotStandby();
        return PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "server " + where()
                + " is a standby (" + evidence + "), not the primary; it takes no writes");
    }

    private void succeed(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        ServerRelayHandler relay = new ServerRelayHandler(server);
        server.relay(relay);
        ctx.pipeline().replace(this, "relay", relay);
        result.trySuccess(server);
    }

    private void authenticate(ChannelHandlerContext ctx, Authentication request) {
        if (request instanceof AuthenticationOk) {
            if (scram != null && !scram.isComplete()) {
                // The server must prove it knows the password too (SASLFinal) before we trust it.
                throw PgException.fatal(SqlState.INVALID_PASSWORD, "server " + where()
                        + " ended SCRAM authentication without proving it knows the password");
            }
            return;
        }
        if (request instanceof AuthenticationCleartextPassword) {
            ctx.writeAndFlush(Frames.encoded(ctx.alloc(), new PasswordMessage(password())::encode));
        } else if (request instanceof AuthenticationMD5Password md5) {
            if (login.password() == null && login.scramKeys() != null) {
                throw PgException.fatal(SqlState.INVALID_PASSWORD, "server " + where() + " asks for an MD5 password"
                        + " for user \"" + login.username() + "\", but pgrudder holds only SCRAM keys for it");
            }
            String password = password();
            String response = password.startsWith("md5") && password.length() == 35
                    ? Md5Password.clientResponseFromHash(password, md5.salt())
                    : Md5Password.clientResponse(login.username(), password, md5.salt());
            ctx.writeAndFlush(Frames.encoded(ctx.alloc(), new PasswordMessage(response)::encode));
        } else if (request instanceof AuthenticationSASL sasl) {
            if (!sasl.mechanisms().contains(ScramClient.MECHANISM)) {
                throw unsupported("SASL mechanisms " + sasl.mechanisms());
            }
            scram = login.scramKeys() != null ? ScramClient.withKeys(login.scramKeys()) : new ScramClient(password());
            ctx.writeAndFlush(Frames.encoded(ctx.alloc(),
                    new SASLInitialResponse(ScramClient.MECHANISM, scram.clientFirstMessage())::encode));
        } else if (request instanceof AuthenticationSASLContinue cont && scram != null) {
            ctx.writeAndFlush(Frames.encoded(ctx.alloc(), new SASLResponse(scram.handleServerFirst(cont.data()))::encode));
        } else if (request instanceof AuthenticationSASLFinal fin && scram != null) {
            scram.verifyServerFinal(fin.data());
        } else {
            throw unsupported(request.getClass().getSimpleName());
        }
    }

    private String password() {
        if (login.password() == null || login.password().isEmpty()) {
            throw PgException.fatal(SqlState.INVALID_PASSWORD, "server " + where() + " asks for a password for user \""
                    + login.username() + "\" but none is configured (set password or server_password)");
        }
        if (ScramSecret.looksLikeScramSecret(login.password())) {
            throw PgException.fatal(SqlState.INVALID_PASSWORD, "server " + where() + " asks for the password of user \""
                    + login.username() + "\", but pgrudder holds only its SCRAM secret, which cannot log in by itself;"
                    + " it can once a client has logged in as this user with SCRAM (and the server holds the same"
                    + " secret), or set a plaintext server_password");
        }
        return login.password();
    }

    private PgException unsupported(String what) {
        return PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                "server " + where() + " requested an authentication method pgrudder does not support: " + what);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, PgException.fatal(SqlState.CONNECTION_FAILURE,
                "server " + where() + " closed the connection during login"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() instanceof PgException ? cause.getCause() : cause;
        if (root instanceof PgException pg) {
            fail(ctx, pg);
        } else if (ServerTls.isTlsFailure(cause)) {
            fail(ctx, tlsFailure(cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause));
        } else {
            fail(ctx, PgException.fatal(SqlState.CONNECTION_FAILURE, "server " + where() + ": " + root.getMessage()));
        }
    }

    private void fail(ChannelHandlerContext ctx, PgException e) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (result.tryFailure(e)) {
            ctx.close();
        }
    }

    private String where() {
        return login.address().host() + ":" + login.address().port();
    }
}
