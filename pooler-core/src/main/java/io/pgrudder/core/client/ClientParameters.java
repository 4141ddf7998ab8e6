package io.pgrudder.core.client;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The session settings a client asked for: its startup parameters (minus user, database and
 * protocol options), with {@code options}' {@code -c name=value} switches taken apart, plus what
 * the server reported after the client's own SETs. Keys are GUC names in lower case (GUC names
 * are case-insensitive); each value remembers the spelling the client used.
 */
final class ClientParameters {
    /** Startup parameters that are not settings. */
    private static final List<String> NOT_SETTINGS = List.of("user", "database", "replication", "options");

    record Setting(String name, String value) {
    }

    static final String APPLICATION_NAME = "application_name";

    /**
     * Replaced, never changed in place: a server connection remembers the last client it was
     * synced with, and the next client, on another event loop, compares its settings with that
     * one's ({@link #stillSameAs}) while that client may be changing its own.
     */
    private volatile Snapshot current = new Snapshot(Map.of(), 0);
    /** Equal settings are one map: comparing two clients' at a checkout is an identity test. */
    private static final SharedMaps<Setting> SHARED = new SharedMaps<>();

    /** The settings and their version, read together from any thread. */
    private record Snapshot(Map<String, Setting> settings, long version) {
    }
    /** What the client asked for at startup: RESET returns a setting to this, as on a direct connection. */
    private Map<String, Setting> startup = Map.of();
    /** Shared by every client whose session set nothing (read only: it refuses even removals). */
    private static final Map<String, Setting> NONE = java.util.Collections.emptyMap();
    /** What the client's session set on top of them, as its servers confirmed (lower-case name). */
    private Map<String, Setting> session = NONE;

    static ClientParameters fromStartup(Map<String, String> startup) {
        ClientParameters p = new ClientParameters();
        Map<String, Setting> settings = new LinkedHashMap<>();
        startup.forEach((name, value) -> {
            if (!NOT_SETTINGS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith("_pq_.")) {
                settings.put(name.toLowerCase(Locale.ROOT), new Setting(name, value));
            }
        });
        String options = startup.get("options");
        if (options != null) {
            parseOptions(options).forEach((name, value) -> settings.put(name.toLowerCase(Locale.ROOT), new Setting(name, value)));
        }
        p.current = new Snapshot(SHARED.of(settings), 0);
        p.startup = p.current.settings();
        return p;
    }

    /**
     * The settings a server confirmed this client's session has (its probe after a transaction
     * that may have changed them): from now on these are carried, over the startup values for
     * everything the session no longer sets (a RESET returns to the startup value).
     */
    void confirmed(Map<String, Setting> confirmed) {
        session = confirmed.isEmpty() ? NONE : new LinkedHashMap<>(confirmed);
        rebuild();
    }

    /** Some settings confirmed by name: {@code changed} now set so, {@code removed} back to the startup value. */
    void confirmed(Map<String, Setting> changed, java.util.Collection<String> removed) {
        if (session != NONE) {
            removed.forEach(session::remove);
        }
        if (!changed.isEmpty()) {
            writableSession().putAll(changed);
        }
        rebuild();
    }

    /** A reported setting the client changed (its ParameterStatus): carried like a confirmed one. */
    void reported(String name, String value) {
        writableSession().put(name.toLowerCase(Locale.ROOT), new Setting(name, value));
        put(name, value);
    }

    /** The session's own map, made at its first setting: most clients never set one. */
    private Map<String, Setting> writableSession() {
        if (session == NONE) {
            session = new LinkedHashMap<>();
        }
        return session;
    }

    private void rebuild() {
        Map<String, Setting> next = new LinkedHashMap<>(startup);
        next.putAll(session);
        current = new Snapshot(SHARED.of(next), current.version() + 1);
    }

    /** Changes with every change, so a server synced with this client can tell it is still in sync. */
    long version() {
        return current.version();
    }

    void put(String name, String value) {
        Snapshot was = current;
        Map<String, Setting> next = new LinkedHashMap<>(was.settings());
        next.put(name.toLowerCase(Locale.ROOT), new Setting(name, value));
        current = new Snapshot(SHARED.of(next), was.version() + 1);
    }

    /**
     * Lower-case name to value, without application_name (the server reports that one verbatim):
     * equal for two clients whose settings make a server report the same ParameterStatus set.
     */
    Map<String, String> reportKey() {
        Map<String, String> key = new java.util.HashMap<>();
        current.settings().forEach((k, v) -> key.put(k, v.value()));
        key.remove(APPLICATION_NAME);
        return Map.copyOf(key);
    }

    /** The application_name the client asked for, or null. */
    String applicationName() {
        Setting s = current.settings().get(APPLICATION_NAME);
        return s == null ? null : s.value();
    }


    Map<String, Setting> all() {
        return current.settings();
    }

    /**
     * Whether this client (another one, on any loop) still has, at {@code version}, the settings
     * {@code wanted} asks for: one read of its settings and their version, so a change it makes
     * meanwhile cannot pass for the settings a server was synced with.
     */
    boolean stillSameAs(long version, ClientParameters wanted) {
        Snapshot mine = current;
        return mine.version() == version && mine.settings().equals(wanted.current.settings());
    }

    /**
     * Splits a libpq {@code options} string: switches separated by spaces, a backslash escapes the
     * next character; {@code -c name=value}, {@code -cname=value} and {@code --name=value} set a GUC.
     */
    static Map<String, String> parseOptions(String options) {
        List<String> words = new java.util.ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (escaped) {
                word.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        Map<String, String> gucs = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String assignment;
            if (w.equals("-c")) {
                if (++i >= words.size()) {
                    throw invalid(options);
                }
                assignment = words.get(i);
            } else if (w.startsWith("-c")) {
                assignment = w.substring(2);
            } else if (w.startsWith("--")) {
                assignment = w.substring(2);
            } else {
                throw invalid(options);
            }
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw invalid(options);
            }
            gucs.put(assignment.substring(0, eq).replace('-', '_'), assignment.substring(eq + 1));
        }
        return gucs;
    }

    private static PgException invalid(String options) {
        return PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                "invalid command-line argument for server process in options: " + options);
    }
}
