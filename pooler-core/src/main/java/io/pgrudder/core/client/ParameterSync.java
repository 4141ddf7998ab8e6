package io.pgrudder.core.client;

import io.pgrudder.core.backend.ServerConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What to SET (and RESET) on a shared server connection before a client's transaction so the
 * server session has exactly the settings that client asked for. Only differences are sent: a
 * pool of clients with the same settings pays nothing.
 */
final class ParameterSync {
    private ParameterSync() {
    }

    /**
     * One simple-query string that makes the server match, or null when it already does. Values go
     * through {@code set_config()}, which parses them as a startup option would (a list such as
     * search_path stays a list). Records what the server is known to have from now on.
     */
    static String sql(ClientParameters wanted, ServerConnection server) {
        if (server.syncedWith() == wanted && server.syncedVersion() == wanted.version()) {
            return null; // the same client got the same connection back, nothing changed since
        }
        if (server.syncedWith() instanceof ClientParameters last && last.version() == server.syncedVersion()
                && last.sameSettings(wanted)) {
            // Synced with another client that has not changed a setting since, and asks for the same
            // ones (a pool of identical clients): nothing to send, nothing to compare one by one.
            server.syncedWith(wanted, wanted.version());
            return null;
        }
        String sql = compute(wanted, server);
        server.syncedWith(wanted, wanted.version());
        return sql;
    }

    private static String compute(ClientParameters wanted, ServerConnection server) {
        Map<String, String> applied = server.applied();
        List<String> sets = new ArrayList<>();
        List<String> resets = new ArrayList<>();
        for (Map.Entry<String, ClientParameters.Setting> e : wanted.all().entrySet()) {
            String key = e.getKey();
            String value = e.getValue().value();
            String current = applied.containsKey(key) ? applied.get(key) : reported(server, key);
            if (!value.equals(current)) {
                // From the server's default, as a startup value would be: SET DateStyle = 'ISO' alone
                // keeps the day/month order a previous client set.
                resets.add("RESET " + identifier(e.getValue().name()));
                sets.add("pg_catalog.set_config(" + literal(e.getValue().name()) + ", " + literal(value) + ", false)");
                applied.put(key, value);
            }
        }
        for (String key : List.copyOf(applied.keySet())) {
            if (!wanted.all().containsKey(key)) {
                resets.add("RESET " + identifier(key));
                applied.remove(key);
            }
        }
        if (sets.isEmpty() && resets.isEmpty()) {
            return null;
        }
        StringBuilder sql = new StringBuilder();
        resets.forEach(r -> sql.append(r).append("; "));
        if (!sets.isEmpty()) {
            sql.append("SELECT ").append(String.join(", ", sets));
        }
        return sql.toString();
    }

    private static String reported(ServerConnection server, String lowerName) {
        for (Map.Entry<String, String> p : server.parameters().entrySet()) {
            if (p.getKey().equalsIgnoreCase(lowerName)) { // ASCII names; no lower-cased copy per look-up
                return p.getValue();
            }
        }
        return null;
    }

    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
