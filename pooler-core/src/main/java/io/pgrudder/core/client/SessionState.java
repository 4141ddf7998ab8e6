package io.pgrudder.core.client;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.pool.ReleasePlan;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a transaction-mode client's session holds beyond its settings, as its server last
 * confirmed ({@link SessionProbe}): the state that pins it to its server connection, and the
 * custom setting names it used, which the probe asks about by name. Settings themselves are kept
 * in {@link ClientParameters}, which ParameterSync applies to whichever server the client gets.
 */
final class SessionState {
    /** Custom names remembered per client: more than this and the probe would grow without bound. */
    static final int MAX_CUSTOM_NAMES = 64;
    private static final Pattern SET_CUSTOM = Pattern.compile(
            "\\b(?:set|reset)\\s+(?:session\\s+|local\\s+)?([a-z_][a-z0-9_$]*\\.[a-z_][a-z0-9_$.]*)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_CONFIG = Pattern.compile("set_config\\s*\\(\\s*('(?:[^']|'')*')?",
            Pattern.CASE_INSENSITIVE);

    private final boolean pinning;
    /** Told the pins after each change (the meter, the once-per-pool log). */
    private final Consumer<Set<Pin>> pinsChanged;
    private final EnumSet<Pin> pins = EnumSet.noneOf(Pin.class);
    /** Pins found with pinning off: cleaned when the server is let go. */
    private final EnumSet<Pin> toClean = EnumSet.noneOf(Pin.class);
    /** Made at the first custom name: most clients never set one. */
    private Set<String> customNames;

    SessionState(boolean pinning, Consumer<Set<Pin>> pinsChanged) {
        this.pinning = pinning;
        this.pinsChanged = pinsChanged;
    }

    boolean pinned() {
        return !pins.isEmpty();
    }

    Set<Pin> pins() {
        return Collections.unmodifiableSet(pins);
    }

    Collection<String> customNames() {
        return customNames == null ? Set.of() : Collections.unmodifiableSet(customNames);
    }

    /**
     * Looks in a statement's text for the settings it may change by name: custom ones
     * ({@code SET app.tenant = …}) are remembered for every later full probe; set_config's literal
     * names go to {@code named}. Returns false when it calls set_config with a name the text does
     * not give (a Bind parameter): the probe cannot ask about it by name.
     */
    boolean noteCustomSettings(String sql, Collection<String> named) {
        Matcher m = SET_CUSTOM.matcher(sql);
        while (m.find()) {
            remember(m.group(1));
        }
        boolean allNamed = true;
        m = SET_CONFIG.matcher(sql);
        while (m.find()) {
            String literal = m.group(1);
            if (literal == null) {
                allNamed = false;
            } else {
                String name = literal.substring(1, literal.length() - 1).replace("''", "'").toLowerCase(Locale.ROOT);
                named.add(name);
                if (name.indexOf('.') > 0) {
                    remember(name);
                }
            }
        }
        return allNamed;
    }

    private void remember(String name) {
        if (customNames == null) {
            customNames = new LinkedHashSet<>(4);
        }
        if (customNames.size() < MAX_CUSTOM_NAMES) {
            customNames.add(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * The server answered the probe: the settings it has become the client's (and the server's
     * record of what it has applied), and what cannot move pins the client, or is cleaned when
     * pinning is off.
     */
    void confirmed(SessionProbe.Result result, ClientParameters settings, ServerConnection server) {
        ProbeRequest asked = result.asked();
        Map<String, String> applied = server.applied();
        if (asked.allSettings) {
            Map<String, ClientParameters.Setting> have = new java.util.HashMap<>();
            result.settings().forEach((key, s) -> {
                if (!s.value().isEmpty()) {
                    have.put(key, s);
                }
            });
            settings.confirmed(have);
            applied.clear();
            have.forEach((key, s) -> applied.put(key, s.value()));
        } else {
            Map<String, ClientParameters.Setting> changed = new java.util.HashMap<>();
            Set<String> removed = new java.util.HashSet<>(asked.reset());
            List<String> asks = new java.util.ArrayList<>(asked.named());
            if (asked.identity) {
                asks.add(SessionProbe.SESSION_AUTHORIZATION);
                asks.add(SessionProbe.ROLE);
            }
            for (String name : asks) {
                ClientParameters.Setting s = result.settings().get(name);
                if (s == null || s.value().isEmpty()) {
                    removed.add(name);
                } else {
                    changed.put(name, s);
                }
            }
            removed.removeAll(changed.keySet());
            settings.confirmed(changed, removed);
            removed.forEach(applied::remove);
            changed.forEach((key, s) -> applied.put(key, s.value()));
        }
        // Not marked in sync: what the client wants (a RESET's startup value) may differ from what it has.
        server.syncedWith(null, 0);
        EnumSet<Pin> next = EnumSet.copyOf(pins);
        next.removeAll(asked.pins);
        next.addAll(result.pins());
        if (pinning) {
            setPins(next);
        } else {
            toClean.addAll(result.pins());
        }
    }

    /** The probe failed: what the session holds is unknown, so it stays where it is. */
    void unknown() {
        EnumSet<Pin> all = EnumSet.copyOf(pins);
        all.add(Pin.UNKNOWN);
        setPins(all);
    }

    /** The server connection is gone (or cleaned with DISCARD ALL): nothing is held any more. */
    void lost() {
        toClean.clear();
        setPins(EnumSet.noneOf(Pin.class));
    }

    private void setPins(EnumSet<Pin> next) {
        if (!next.equals(pins)) {
            pins.clear();
            pins.addAll(next);
            pinsChanged.accept(Set.copyOf(next));
        }
    }

    /**
     * How the server is cleaned when the client lets go of it (between transactions, or leaving)
     * with {@code queued} the cleanup its requests asked for: DISCARD ALL when the session may hold
     * what cannot be named (pinned, or probed never), else exactly what it holds, and the session
     * authorization and role always (an idle connection never runs as someone else).
     */
    ReleasePlan releasePlan(EnumSet<Cleanup> queued, boolean unprobed, ServerConnection server) {
        if (unprobed || pinned()) {
            return ReleasePlan.DISCARD_ALL;
        }
        EnumSet<Cleanup> cleanup = EnumSet.copyOf(queued);
        for (Pin p : toClean) {
            cleanup.add(p.cleanup());
        }
        toClean.clear();
        if (server.applied().containsKey(SessionProbe.SESSION_AUTHORIZATION)) {
            cleanup.add(Cleanup.SESSION_AUTHORIZATION);
        } else if (server.applied().containsKey(SessionProbe.ROLE)) {
            cleanup.add(Cleanup.ROLE);
        }
        return ReleasePlan.cleanup(Cleanup.statements(cleanup));
    }
}
