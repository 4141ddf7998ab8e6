package io.pgrudder.core.client;

import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The command tags after which a transaction-mode session is probed ({@link SessionProbe}) before
 * its server is let go, and what each asks the probe. {@code CREATE TABLE … AS} and
 * {@code SELECT … INTO} answer {@code SELECT n}: those are found in the text ({@link SessionScan}).
 */
final class SessionTags {
    private static final Consumer<ProbeRequest> TEMP = r -> r.pins.add(Pin.TEMP_OBJECTS);
    private static final Consumer<ProbeRequest> ROUTINES = r -> {
        r.pins.add(Pin.TEMP_OBJECTS);
        r.temporaryRoutines = true;
    };
    private static final Map<String, Consumer<ProbeRequest>> ASKS = Map.ofEntries(
            Map.entry("SET", ProbeRequest::settingTag),
            Map.entry("RESET", ProbeRequest::settingTag),
            Map.entry("PREPARE", r -> r.pins.add(Pin.SQL_PREPARED)),
            Map.entry("DEALLOCATE", r -> r.pins.add(Pin.SQL_PREPARED)),
            Map.entry("DEALLOCATE ALL", r -> r.pins.add(Pin.SQL_PREPARED)),
            Map.entry("LISTEN", r -> r.pins.add(Pin.LISTEN)),
            Map.entry("UNLISTEN", r -> r.pins.add(Pin.LISTEN)),
            Map.entry("DECLARE CURSOR", r -> r.pins.add(Pin.HOLD_CURSORS)),
            Map.entry("CLOSE CURSOR", r -> r.pins.add(Pin.HOLD_CURSORS)),
            Map.entry("CLOSE CURSOR ALL", r -> r.pins.add(Pin.HOLD_CURSORS)),
            Map.entry("CREATE TABLE", TEMP), Map.entry("DROP TABLE", TEMP),
            Map.entry("CREATE VIEW", TEMP), Map.entry("DROP VIEW", TEMP),
            Map.entry("CREATE SEQUENCE", TEMP), Map.entry("DROP SEQUENCE", TEMP),
            Map.entry("CREATE TYPE", TEMP), Map.entry("DROP TYPE", TEMP),
            Map.entry("DISCARD TEMP", TEMP),
            Map.entry("CREATE FUNCTION", ROUTINES), Map.entry("DROP FUNCTION", ROUTINES),
            Map.entry("CREATE PROCEDURE", ROUTINES), Map.entry("DROP PROCEDURE", ROUTINES),
            Map.entry("DO", ProbeRequest::everything),
            Map.entry("CALL", ProbeRequest::everything));

    /** The tags acted on. */
    static final Set<String> PROBED = ASKS.keySet();

    private SessionTags() {
    }

    /** Adds what {@code tag} asks the probe to {@code request}; false when it asks nothing. */
    static boolean ask(String tag, ProbeRequest request) {
        Consumer<ProbeRequest> asks = ASKS.get(tag);
        if (asks == null) {
            return false;
        }
        asks.accept(request);
        return true;
    }
}
