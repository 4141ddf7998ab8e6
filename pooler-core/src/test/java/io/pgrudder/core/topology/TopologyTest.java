package io.pgrudder.core.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class TopologyTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private static Member member(String name, MemberRole role, String state, OptionalLong lag, boolean noLb) {
        return new Member(name, "127.0.0.1" + name.charAt(name.length() - 1), 5432, role, state, lag, 3,
                noLb, false, PollResult.OK);
    }

    @Test
    void healthyReplicaNeedsReplicaRoleRunningStateNoTagAndLagUnderLimit() {
        assertTrue(member("n2", MemberRole.REPLICA, "streaming", OptionalLong.of(0), false).isHealthyReplica(0));
        assertTrue(member("n2", MemberRole.SYNC_STANDBY, "running", OptionalLong.of(10), false).isHealthyReplica(10));
        assertTrue(member("n2", MemberRole.QUORUM_STANDBY, "streaming", OptionalLong.of(1), false).isHealthyReplica(5));
        assertFalse(member("n2", MemberRole.REPLICA, "streaming", OptionalLong.of(11), false).isHealthyReplica(10));
        assertFalse(member("n2", MemberRole.REPLICA, "stopped", OptionalLong.of(0), false).isHealthyReplica(10));
        assertFalse(member("n2", MemberRole.REPLICA, "streaming", OptionalLong.of(0), true).isHealthyReplica(10));
        assertFalse(member("n1", MemberRole.LEADER, "running", OptionalLong.empty(), false).isHealthyReplica(10));
        assertFalse(member("n1", MemberRole.STANDBY_LEADER, "running", OptionalLong.empty(), false)
                .isHealthyReplica(Long.MAX_VALUE));
        assertFalse(member("n2", MemberRole.UNKNOWN, "running", OptionalLong.of(0), false).isHealthyReplica(10));
    }

    @Test
    void unknownLagIsHealthyOnlyWithoutALimit() {
        Member m = member("n3", MemberRole.REPLICA, "streaming", OptionalLong.empty(), false);
        assertFalse(m.isHealthyReplica(1L << 40));
        assertTrue(m.isHealthyReplica(Long.MAX_VALUE));
    }

    @Test
    void leaderIsLookedUpByNameAndMustBeAMember() {
        Member n1 = member("n1", MemberRole.LEADER, "running", OptionalLong.empty(), false);
        Member n2 = member("n2", MemberRole.REPLICA, "streaming", OptionalLong.of(0), false);
        Topology t = new Topology("demo", List.of(n1, n2), Optional.of("n1"), T0, 3, false, 1);
        assertEquals(Optional.of(n1), t.leader());
        assertEquals(List.of(n2), t.healthyReplicas(0));
        assertThrows(IllegalArgumentException.class,
                () -> new Topology("demo", List.of(n2), Optional.of("n1"), T0, 3, false, 1));
    }

    @Test
    void succeedingKeepsLeaderSinceUnlessTheLeaderChanged() {
        Member n1 = member("n1", MemberRole.LEADER, "running", OptionalLong.empty(), false);
        Member n2 = member("n2", MemberRole.REPLICA, "streaming", OptionalLong.of(0), false);
        Topology first = new Topology("demo", List.of(n1, n2), Optional.of("n1"), T0, 3, false, 4);
        Instant later = T0.plusSeconds(5);

        Topology lagChanged = new Topology("demo", List.of(n1, member("n2", MemberRole.REPLICA, "streaming",
                OptionalLong.of(7), false)), Optional.of("n1"), later, 3, false, 0).succeeding(first, later);
        assertEquals(5, lagChanged.generation());
        assertEquals(T0, lagChanged.leaderSince());
        assertFalse(lagChanged.sameStateAs(first));

        Topology noLeader = new Topology("demo", List.of(n1, n2), Optional.empty(), later, 3, false, 0)
                .succeeding(first, later);
        assertEquals(later, noLeader.leaderSince());
        assertTrue(first.sameStateAs(new Topology("demo", List.of(n1, n2), Optional.of("n1"), later, 3, false, 9)));
    }

    @Test
    void initialHasNoLeaderAndGenerationZero() {
        Topology t = Topology.initial("demo", T0);
        assertEquals(0, t.generation());
        assertTrue(t.leader().isEmpty());
        assertTrue(t.members().isEmpty());
    }
}
