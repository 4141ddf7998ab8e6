package io.pgrudder.core.client;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.pool.ReleasePlan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionStateTest {
    private final List<Set<Pin>> changes = new ArrayList<>();

    /** A full probe (every setting, every pin kind) that found these. */
    private static SessionProbe.Result result(Map<String, String> settings, EnumSet<Pin> pins) {
        ProbeRequest asked = new ProbeRequest();
        asked.everything();
        return result(asked, settings, pins);
    }

    private static SessionProbe.Result result(ProbeRequest asked, Map<String, String> settings, EnumSet<Pin> pins) {
        Map<String, ClientParameters.Setting> s = new java.util.HashMap<>();
        settings.forEach((k, v) -> s.put(k.toLowerCase(java.util.Locale.ROOT), new ClientParameters.Setting(k, v)));
        return new SessionProbe.Result(s, pins, asked);
    }

    @Test
    void aProbeByNameChangesOnlyWhatItAskedAndLeavesOtherPinsAlone() {
        SessionState state = new SessionState(true, changes::add);
        ServerConnection server = TestServerConnections.embedded();
        ClientParameters settings = ClientParameters.fromStartup(Map.of("statement_timeout", "5000"));
        state.confirmed(result(Map.of("work_mem", "8MB", "role", "bob"), EnumSet.of(Pin.LISTEN)), settings, server);
        ProbeRequest asked = new ProbeRequest();
        asked.name("lock_timeout");
        asked.reset("statement_timeout");
        asked.pins.add(Pin.TEMP_OBJECTS);
        state.confirmed(result(asked, Map.of("lock_timeout", "1s"), EnumSet.of(Pin.TEMP_OBJECTS)), settings, server);
        assertEquals("8MB", settings.all().get("work_mem").value(), "not asked: kept");
        assertEquals("1s", settings.all().get("lock_timeout").value());
        assertEquals("5000", settings.all().get("statement_timeout").value(), "RESET by name: the startup value");
        assertEquals("bob", settings.all().get("role").value(), "the identity was not asked: kept");
        assertEquals(Set.of(Pin.LISTEN, Pin.TEMP_OBJECTS), state.pins(), "LISTEN not checked: still held");
        assertEquals(Map.of("work_mem", "8MB", "role", "bob", "lock_timeout", "1s"), server.applied());
        server.channel().close();
    }

    @Test
    void customSettingNamesAreTakenFromSetAndSetConfigLiterals() {
        SessionState state = new SessionState(true, changes::add);
        assertTrue(state.noteCustomSettings("SET app.tenant = 7; set session My.Region to 'eu'", new ArrayList<>()));
        assertTrue(state.noteCustomSettings("SELECT set_config('rls.user_id', '42', false), set_config('work_mem', '1MB', false)", new ArrayList<>()));
        assertEquals(List.of("app.tenant", "my.region", "rls.user_id"), List.copyOf(state.customNames()));
        assertFalse(state.noteCustomSettings("SELECT set_config($1, $2, false)", new ArrayList<>()), "a name the text does not give");
    }

    @Test
    void customSettingNamesAreBounded() {
        SessionState state = new SessionState(true, changes::add);
        for (int i = 0; i < SessionState.MAX_CUSTOM_NAMES + 10; i++) {
            state.noteCustomSettings("SET app.n" + i + " = 1", new ArrayList<>());
        }
        assertEquals(SessionState.MAX_CUSTOM_NAMES, state.customNames().size());
    }

    @Test
    void whatTheProbeFindsPinsAndWhatGoesUnpins() {
        SessionState state = new SessionState(true, changes::add);
        ServerConnection server = TestServerConnections.embedded();
        ClientParameters settings = ClientParameters.fromStartup(Map.of("statement_timeout", "5000"));
        state.confirmed(result(Map.of("statement_timeout", "4321ms", "role", "bob"), EnumSet.of(Pin.TEMP_OBJECTS)), settings, server);
        assertTrue(state.pinned());
        assertEquals("4321ms", settings.all().get("statement_timeout").value());
        assertEquals(Map.of("statement_timeout", "4321ms", "role", "bob"), server.applied());
        assertEquals(ReleasePlan.DISCARD_ALL, state.releasePlan(EnumSet.noneOf(Cleanup.class), false, server),
                "a pinned client leaving: DISCARD ALL");
        state.confirmed(result(Map.of(), EnumSet.noneOf(Pin.class)), settings, server);
        assertFalse(state.pinned());
        assertEquals("5000", settings.all().get("statement_timeout").value(), "RESET: back to the startup value");
        assertEquals(List.of(Set.of(Pin.TEMP_OBJECTS), Set.of()), changes);
        server.channel().close();
    }

    @Test
    void withPinningOffWhatWasFoundIsCleanedAndTheIdentityAlways() {
        SessionState state = new SessionState(false, changes::add);
        ServerConnection server = TestServerConnections.embedded();
        ClientParameters settings = ClientParameters.fromStartup(Map.of());
        state.confirmed(result(Map.of("role", "bob"), EnumSet.of(Pin.LISTEN, Pin.HOLD_CURSORS)), settings, server);
        assertFalse(state.pinned());
        assertEquals(List.of("RESET ROLE", "UNLISTEN *", "CLOSE ALL"),
                state.releasePlan(EnumSet.noneOf(Cleanup.class), false, server).cleanup());
        assertEquals(List.of("RESET ROLE"), state.releasePlan(EnumSet.noneOf(Cleanup.class), false, server).cleanup(),
                "cleaned once");
        assertEquals(ReleasePlan.DISCARD_ALL, state.releasePlan(EnumSet.noneOf(Cleanup.class), true, server),
                "never probed: DISCARD ALL");
        server.channel().close();
    }

    @Test
    void aFailedProbePinsForGood() {
        SessionState state = new SessionState(true, changes::add);
        state.unknown();
        assertEquals(Set.of(Pin.UNKNOWN), state.pins());
        state.lost();
        assertFalse(state.pinned());
    }
}
