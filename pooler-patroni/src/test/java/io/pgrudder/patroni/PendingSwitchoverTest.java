package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The failover key's values as Patroni 3.0.2's manual_failover writes them (json.dumps, compact). */
class PendingSwitchoverTest {

    @Test
    void switchoverNowNamesLeaderAndCandidate() throws PatroniJsonException {
        PendingSwitchover p = PendingSwitchover.parse("{\"leader\":\"node1\",\"member\":\"node2\"}").orElseThrow();
        assertEquals(Optional.of("node1"), p.leader());
        assertEquals(Optional.of("node2"), p.candidate());
        assertEquals(Optional.empty(), p.scheduledAt());
        assertTrue(p.dueAt(Instant.EPOCH));
        assertTrue(p.movesAwayFrom("node1"));
        assertFalse(p.movesAwayFrom("node2"));
    }

    @Test
    void scheduledSwitchoverCarriesPythonsIsoformat() throws PatroniJsonException {
        PendingSwitchover p = PendingSwitchover.parse(
                "{\"leader\":\"node1\",\"member\":\"node2\",\"scheduled_at\":\"2026-12-03T11:30:00.250000+00:00\"}")
                .orElseThrow();
        Instant at = Instant.parse("2026-12-03T11:30:00.250Z");
        assertEquals(Optional.of(at), p.scheduledAt());
        assertFalse(p.dueAt(at.minusMillis(1)));
        assertTrue(p.dueAt(at));
        assertEquals(Optional.of(Instant.parse("2026-12-03T09:30:00Z")), PendingSwitchover.parse(
                "{\"leader\":\"a\",\"scheduled_at\":\"2026-12-03T10:30:00+01:00\"}").orElseThrow().scheduledAt());
    }

    @Test
    void clearedKeyIsNothingPending() throws PatroniJsonException {
        assertEquals(Optional.empty(), PendingSwitchover.parse("{}"), "what DELETE /switchover and the HA loop write");
        assertEquals(Optional.empty(), PendingSwitchover.parse(""));
        assertEquals(Optional.empty(), PendingSwitchover.parse(null));
        assertEquals(Optional.empty(), PendingSwitchover.parse("null"));
        assertEquals(Optional.empty(), PendingSwitchover.parse("{\"leader\":\"\",\"member\":\"\"}"));
    }

    @Test
    void failoverToACandidateNamesNoLeader() throws PatroniJsonException {
        PendingSwitchover p = PendingSwitchover.parse("{\"member\":\"node3\"}").orElseThrow();
        assertTrue(p.movesAwayFrom("node1"));
        assertFalse(p.movesAwayFrom("node3"));
    }

    @Test
    void legacyColonFormIsReadAsPatroniReadsIt() throws PatroniJsonException {
        PendingSwitchover p = PendingSwitchover.parse("node1:node2").orElseThrow();
        assertEquals(Optional.of("node1"), p.leader());
        assertEquals(Optional.of("node2"), p.candidate());
    }

    @Test
    void unreadableScheduleIsAnError() {
        assertThrows(PatroniJsonException.class, () -> PendingSwitchover.parse(
                "{\"leader\":\"node1\",\"scheduled_at\":\"tomorrow\"}"));
        assertThrows(PatroniJsonException.class, () -> PendingSwitchover.parse(
                "{\"leader\":\"node1\",\"scheduled_at\":\"2026-12-03T11:30:00\"}"), "no offset: when is that?");
    }
}
