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
        if (server.syncedWith() instanceof ClientParameters last && last.stillSameAs(server.syncedVersion(), wanted)) {
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
        List<String> resetKeys = new ArrayList<>();
        List<ClientParameters.Setting> sets = new ArrayList<>();
        for (Map.Entry<String, ClientParameters.Setting> e : wanted.all().entrySet()) {
            String key = e.getKey();
            String value = e.getValue().value();
            String current = applied.containsKey(key) ? applied.get(key) : reported(server, key);
            if (!value.equals(current)) {
                // From the server's default, as a startup value would be: SET DateStyle = 'ISO' alone
                // keeps the day/month order a previous client set.
                resetKeys.add(key);
                sets.add(e.getValue());
            }
        }
        for (String key : applied.keySet()) {
            if (!wanted.all().containsKey(key)) {
                resetKeys.add(key);
            }
        }
        if (resetKeys.isEmpty()) {
            return null;
        }
        // Under another role a setting only a superuser may change would be refused, and RESET
        // session_authorization resets the role too: the identity goes first and comes back last.
        boolean others = !resetKeys.stream().allMatch(ParameterSync::isIdentity);
        for (String identity : List.of(SessionProbe.SESSION_AUTHORIZATION, SessionProbe.ROLE)) {
            boolean implied = identity.equals(SessionProbe.ROLE) && resetKeys.contains(SessionProbe.SESSION_AUTHORIZATION);
            if (applied.containsKey(identity) && !resetKeys.contains(identity) && (others || implied)) {
                resetKeys.add(identity);
                ClientParameters.Setting wantedIdentity = wanted.all().get(identity);
                if (wantedIdentity != null) {
                    sets.add(wantedIdentity);
                }
            }
        }
        resetKeys.sort(java.util.Comparator.comparingInt(ParameterSync::resetRank));
        sets.sort(java.util.Comparator.comparingInt(s -> setRank(s.name().toLowerCase(java.util.Locale.ROOT))));
        StringBuilder sql = new StringBuilder();
        for (String key : resetKeys) {
            sql.append("RESET ").append(identifier(key)).append("; ");
            applied.remove(key);
        }
        if (!sets.isEmpty()) {
            sql.append("SELECT ");
            String sep = "";
            for (ClientParameters.Setting s : sets) {
                sql.append(sep).append("pg_catalog.set_config(").append(literal(s.name())).append(", ")
                        .append(literal(s.value())).append(", false)");
                sep = ", ";
                applied.put(s.name().toLowerCase(java.util.Locale.ROOT), s.value());
            }
        }
        return sql.toString();
    }

    private static boolean isIdentity(String key) {
        return key.equals(SessionProbe.SESSION_AUTHORIZATION) || key.equals(SessionProbe.ROLE);
    }

    /** RESET session_authorization first (it resets the role too), then the role, then the rest. */
    private static int resetRank(String key) {
        return key.equals(SessionProbe.SESSION_AUTHORIZATION) ? 0 : key.equals(SessionProbe.ROLE) ? 1 : 2;
    }

    /** The session authorization first (it resets the role), the role last (it may forbid the rest). */
    private static int setRank(String key) {
        return key.equals(SessionProbe.SESSION_AUTHORIZATION) ? 0 : key.equals(SessionProbe.ROLE) ? 2 : 1;
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
