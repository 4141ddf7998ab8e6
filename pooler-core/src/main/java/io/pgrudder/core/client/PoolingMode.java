package io.pgrudder.core.client;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.config.PoolMode;
import io.pgrudder.core.pool.ReleasePlan;

import java.util.Map;

/**
 * What differs between session and transaction pooling for one client, in one place: how its
 * server is opened, whether it lets go between transactions, how its settings reach a shared
 * server, whose process id its cancel key carries, and how a server it leaves is cleaned.
 */
enum PoolingMode {
    /** The client keeps one server, opened with its own startup parameters, until it leaves. */
    SESSION {
        @Override
        boolean sharesServers() {
            return false;
        }

        @Override
        Map<String, String> openWith(Map<String, String> clientStartup) {
            return clientStartup; // so RESET returns to them, as on a direct connection
        }

        @Override
        String syncSql(ClientParameters settings, ServerConnection got) {
            return null; // opened with them
        }

        @Override
        CancelKey register(CancelRegistry cancels, CancelRegistry.Cancellable session, ServerConnection got) {
            // The real backend pid, so pg_backend_pid() and NOTIFY's pid match; the secret is ours.
            return cancels.register(got.processId(), session);
        }

        @Override
        ReleasePlan cleanAfter(RequestQueue queue, SessionState session, ServerConnection server) {
            return ReleasePlan.DISCARD_ALL;
        }
    },

    /** Clients share servers and hold one only while a transaction (or pipeline, or COPY) is open. */
    TRANSACTION {
        @Override
        boolean sharesServers() {
            return true;
        }

        @Override
        Map<String, String> openWith(Map<String, String> clientStartup) {
            return Map.of(); // shared: opened with no client's settings, which ParameterSync applies
        }

        @Override
        String syncSql(ClientParameters settings, ServerConnection got) {
            return ParameterSync.sql(settings, got);
        }

        @Override
        CancelKey register(CancelRegistry cancels, CancelRegistry.Cancellable session, ServerConnection got) {
            return cancels.register(session); // a pid of our own: the client's queries run on many backends
        }

        @Override
        ReleasePlan cleanAfter(RequestQueue queue, SessionState session, ServerConnection server) {
            return session.releasePlan(queue.cleanup(), queue.probePending(), server);
        }
    };

    static PoolingMode of(PoolMode mode) {
        return mode == PoolMode.TRANSACTION ? TRANSACTION : SESSION;
    }

    /** The client lets go of its server between transactions. */
    abstract boolean sharesServers();

    /** The startup parameters a server for this client is opened with. */
    abstract Map<String, String> openWith(Map<String, String> clientStartup);

    /** The SQL that gives {@code got} this client's settings where they differ, or null. */
    abstract String syncSql(ClientParameters settings, ServerConnection got);

    /** The client's BackendKeyData; {@code got} is its login server (null when it needed none). */
    abstract CancelKey register(CancelRegistry cancels, CancelRegistry.Cancellable session, ServerConnection got);

    /** How a server this client leaves, between requests, is cleaned for the next one. */
    abstract ReleasePlan cleanAfter(RequestQueue queue, SessionState session, ServerConnection server);
}
