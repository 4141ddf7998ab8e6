package io.pgrudder.core.client;

import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the session probe after a transaction must ask, gathered while the transaction ran: only
 * what its statements may have changed, so a transaction that ran {@code SET LOCAL} asks nothing
 * and one that ran {@code SET statement_timeout = …} asks for one setting, not all of pg_settings
 * (a full scan and its planning cost about 3 ms of server time; a named one a few µs).
 *
 * <p>Settings are asked by name when every SET/RESET command tag the server sent is accounted
 * for by a statement whose text named its setting; anything else (a SET in a multi-statement
 * query, RESET ALL, a DO block, set_config with a name in Bind) asks for them all.
 */
final class ProbeRequest {
    /** The kinds of state that cannot move to check (each is a count on the server). */
    final EnumSet<Pin> pins = EnumSet.noneOf(Pin.class);
    /** Settings whose new value to read by name (made at the first: most clients never SET anything). */
    private Set<String> named;
    /** Settings RESET by name: back to the client's startup value (made at the first). */
    private Set<String> reset;
    /** Every session setting (pg_settings), not only {@link #named}. */
    boolean allSettings;
    /** The role and the session authorization. */
    boolean identity;
    /** Temporary functions too (pg_proc): only after a CREATE/DROP FUNCTION or PROCEDURE. */
    boolean temporaryRoutines;
    /** SET/RESET tags the server sent, and the statements whose text accounted for one. */
    private int settingTags;
    private int settingStatements;

    /** Settings whose new value to read by name; empty when none. */
    Set<String> named() {
        return named == null ? Set.of() : named;
    }

    /** Settings RESET by name; empty when none. */
    Set<String> reset() {
        return reset == null ? Set.of() : reset;
    }

    /** Where the names of settings to read go (ClientMessages adds custom ones). */
    Set<String> namedToAdd() {
        if (named == null) {
            named = new LinkedHashSet<>(4);
        }
        return named;
    }

    void name(String setting) {
        namedToAdd().add(setting);
    }

    void reset(String setting) {
        if (reset == null) {
            reset = new LinkedHashSet<>(4);
        }
        reset.add(setting);
    }

    boolean needed() {
        return !pins.isEmpty() || !named().isEmpty() || !reset().isEmpty() || allSettings || identity
                || settingTags > settingStatements;
    }

    /** A SET or RESET command tag. */
    void settingTag() {
        settingTags++;
    }

    /** A statement whose text says which setting its SET/RESET tag changes (or that it is SET LOCAL). */
    void settingStatement() {
        settingStatements++;
    }

    /** Everything: the statement's effects cannot be told (DO, CALL, DISCARD ALL). */
    void everything() {
        pins.addAll(EnumSet.complementOf(EnumSet.of(Pin.UNKNOWN)));
        allSettings = true;
        identity = true;
        temporaryRoutines = true;
    }

    /** Whether the settings must be read in full: named ones cannot account for every tag. */
    boolean readsAllSettings() {
        return allSettings || settingTags > settingStatements;
    }

    /** Takes over what {@code other} asks and clears it. */
    ProbeRequest take() {
        ProbeRequest copy = new ProbeRequest();
        copy.pins.addAll(pins);
        if (named != null && !named.isEmpty()) {
            copy.namedToAdd().addAll(named);
        }
        for (String r : reset()) {
            copy.reset(r);
        }
        copy.allSettings = readsAllSettings();
        copy.identity = identity;
        copy.temporaryRoutines = temporaryRoutines;
        clear();
        return copy;
    }

    void clear() {
        pins.clear();
        if (named != null) {
            named.clear();
        }
        if (reset != null) {
            reset.clear();
        }
        allSettings = false;
        identity = false;
        temporaryRoutines = false;
        settingTags = 0;
        settingStatements = 0;
    }
}
