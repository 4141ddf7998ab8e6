package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.pool.ServerPool;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The end of a client's login, after AuthenticationOk: the ParameterStatus values a server
 * really has for the client's settings, its BackendKeyData, and the first ReadyForQuery; or,
 * when the server refused the settings, the refusal PostgreSQL would send. What a server
 * reported is kept per pool for the next client with the same settings, which then logs in
 * without waiting for a server.
 */
final class LoginGreeting {
    private final ServerPool pool;
    private final ClientParameters settings;
    private boolean sent;

    LoginGreeting(ServerPool pool, ClientParameters settings) {
        this.pool = pool;
        this.settings = settings;
    }

    /** The login phase is over: the client got its first ReadyForQuery. */
    boolean sent() {
        return sent;
    }

    /** What servers reported for these settings before (transaction mode), or null: a server is needed. */
    Map<String, String> known() {
        Map<String, String> known = pool.reportedParameters(settings.reportKey());
        if (known == null) {
            return null;
        }
        known = new LinkedHashMap<>(known);
        known.put("application_name", settings.applicationName() != null ? settings.applicationName()
                : known.getOrDefault("application_name", ""));
        return known;
    }

    /** What {@code got} reports with the client's settings applied, for the next client with the same ones. */
    void remember(ServerConnection got) {
        Map<String, String> reported = new LinkedHashMap<>(got.parameters());
        if (settings.applicationName() != null) {
            // Stored as the server's default would be: the next client brings its own.
            reported.remove("application_name");
        }
        pool.reportedParameters(settings.reportKey(), reported);
    }

    /** Writes (not flushes) the rest of the login: parameters, the key, ReadyForQuery with {@code status}. */
    void send(Map<String, String> parameters, CancelKey key, byte status, Consumer<Consumer<ByteBuf>> toClient) {
        sent = true;
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            toClient.accept(new ParameterStatus(p.getKey(), p.getValue())::encode);
        }
        toClient.accept(new BackendKeyData(key.processId(), key.secretKey())::encode);
        toClient.accept(ReadyForQuery.of(status)::encode);
    }

    /**
     * The client's startup settings could not be applied (options=-c role=nobody): PostgreSQL
     * refuses such a startup with the setting's error as FATAL, and so does the pooler, rather
     * than let the client run with the pool's settings.
     */
    static PgException refusal(ErrorResponse failure) {
        return new PgException(PgException.Severity.FATAL, failure.sqlState(), failure.message(), failure.detail(),
                failure.hint(), null);
    }
}
