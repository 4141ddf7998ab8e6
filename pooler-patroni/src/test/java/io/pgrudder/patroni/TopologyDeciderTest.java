package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;

class TopologyDeciderTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant T1 = T0.plusSeconds(1);
    private static final Topology NOTHING = Topology.initial("pool", T0);

    private static TopologyDecider.Decision decide(List<MemberPoll> polls, Topology previous) {
        return TopologyDecider.decide("pool", polls, previous, T1);
    }

    private static Topology decide(String dir) {
        return decide(Captured.round(dir), NOTHING).topology();
    }

    private static Optional<String> leaderOf(Topology t) {
        return t.leader().map(Member::name);
    }

    @Test
    void patroni3NormalClusterHasLeaderAndTwoHealthyReplicas() {
        Topology t = decide("patroni-3.0.2/normal");
        assertEquals(Optional.of("node1"), leaderOf(t));
        Member leader = t.leader().orElseThrow();
        assertEquals("127.0.0.11", leader.host());
        assertEquals(5432, leader.port());
        assertEquals(MemberRole.LEADER, leader.role());
        assertEquals("demo", t.clusterName(), "scope comes from /patroni in 3.0 (not in /cluster)");
        assertEquals(1, t.timeline());
        assertFalse(t.paused());
        assertEquals(1, t.generation());
        assertEquals(T1, t.leaderSince());
        assertEquals(List.of("node2", "node3"), t.healthyReplicas(0).stream().map(Member::name).toList());
        assertTrue(t.members().stream().allMatch(m -> m.lastPoll().ok()));
    }

    @Test
    void sameRoundAgainIsTheSameSnapshot() {
        Topology first = decide("patroni-3.0.2/normal");
        assertSame(first, decide(Captured.round("patroni-3.0.2/normal"), first).topology());
    }

    @Test
    void switchoverStoppingOldPrimaryMeansNoLeader() {
        Topology before = decide("patroni-3.0.2/normal");
        TopologyDecider.Decision d = decide(Captured.round("patroni-3.0.2/switchover-stopping"), before);
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertTrue(d.noLeaderReason().orElseThrow().contains("node1's own /patroni says role master, state stopping"),
                d.noLeaderReason().toString());
        assertEquals(before.generation() + 1, d.topology().generation());
        assertEquals(T1, d.topology().leaderSince());
    }

    @Test
    void switchoverPromotingCandidateNotYetPrimaryMeansNoLeader() {
        TopologyDecider.Decision d = decide(Captured.round("patroni-3.0.2/switchover-promoting"),
                decide("patroni-3.0.2/normal"));
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertTrue(d.noLeaderReason().orElseThrow().contains("node2's own /patroni says role replica"),
                d.noLeaderReason().toString());
        Member old = d.topology().member("node1").orElseThrow();
        assertEquals(OptionalLong.empty(), old.lagBytes());
    }

    @Test
    void switchoverDoneNamesTheNewLeaderOnTheNewTimeline() {
        Topology t = decide(Captured.round("patroni-3.0.2/switchover-done"), decide("patroni-3.0.2/normal")).topology();
        assertEquals(Optional.of("node2"), leaderOf(t));
        assertEquals(2, t.timeline());
        assertEquals(MemberRole.REPLICA, t.member("node1").orElseThrow().role());
    }

    @Test
    void lagUnknownIsEmptyAndNotHealthyUnderALimit() {
        Topology t = decide("patroni-3.0.2/switchover-promoting");
        Member node1 = t.member("node1").orElseThrow();
        assertEquals(OptionalLong.empty(), node1.lagBytes());
        assertFalse(node1.isHealthyReplica(1 << 20));
    }

    @Test
    void stoppedMemberDoesNotMoveTheLeaderAndIsNotAHealthyReplica() {
        Topology before = decide("patroni-3.0.2/switchover-done");
        Topology t = decide(Captured.round("patroni-3.0.2/member-down"), before).topology();
        assertEquals(Optional.of("node2"), leaderOf(t));
        Member node3 = t.member("node3").orElseThrow();
        assertEquals("stopped", node3.state());
        assertEquals(PollResult.Kind.REFUSED, node3.lastPoll().kind());
        assertEquals(List.of("node1"), t.healthyReplicas(Long.MAX_VALUE).stream().map(Member::name).toList());
    }

    @Test
    void killedLeaderStillHoldingTheLockIsNoLeader() {
        Topology before = decide("patroni-3.0.2/switchover-done");
        TopologyDecider.Decision d = decide(Captured.round("patroni-3.0.2/leader-killed"), before);
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertTrue(d.noLeaderReason().orElseThrow().contains("node2 is not confirmed by its own /patroni: REFUSED"),
                d.noLeaderReason().toString());
    }

    @Test
    void leaderWhoseApiTimesOutStaysLeaderOnlyIfItAlreadyWas() {
        Topology before = decide("patroni-3.0.2/switchover-done");
        List<MemberPoll> slow = Captured.with(Captured.round("patroni-3.0.2/leader-killed"), 2,
                Captured.failed(2, PollResult.timeout("no answer in 500 ms")));
        Topology t = decide(slow, before).topology();
        assertEquals(Optional.of("node2"), leaderOf(t));
        assertEquals(PollResult.Kind.TIMEOUT, t.leader().orElseThrow().lastPoll().kind());
        assertEquals(before.leaderSince(), t.leaderSince());

        TopologyDecider.Decision cold = decide(slow, NOTHING);
        assertEquals(Optional.empty(), leaderOf(cold.topology()));
        assertTrue(cold.noLeaderReason().orElseThrow().contains("not confirmed"), cold.noLeaderReason().toString());
    }

    @Test
    void failoverDoneNamesTheSurvivorEvenWithNoloadbalance() {
        Topology t = decide(Captured.round("patroni-3.0.2/failover-done"), decide("patroni-3.0.2/switchover-done"))
                .topology();
        assertEquals(Optional.of("node3"), leaderOf(t));
        assertEquals(3, t.timeline());
        assertEquals(MemberRole.UNKNOWN, t.member("node2").orElseThrow().role(), "node2 is gone from the DCS, keeps its name");
    }

    @Test
    void oneMemberAnsweringGarbageDoesNotMoveTheLeader() {
        Topology before = decide("patroni-3.0.2/normal");
        MemberPoll garbage = Captured.poll(Captured.ADDRESSES.get(2), Optional.of("<html>oops</html>"),
                Optional.of("{\"state\": 42}"));
        Topology t = decide(Captured.with(Captured.round("patroni-3.0.2/normal"), 3, garbage), before).topology();
        assertEquals(Optional.of("node1"), leaderOf(t));
        Member node3 = t.member("node3").orElseThrow();
        assertEquals(PollResult.Kind.BAD_RESPONSE, node3.lastPoll().kind());
        assertEquals(MemberRole.REPLICA, node3.role(), "the other views still describe node3");
    }

    @Test
    void onlyOneReachableMemberIsEnough() {
        List<MemberPoll> round = Captured.round("patroni-3.0.2/normal");
        round = Captured.with(round, 2, Captured.failed(2, PollResult.timeout("no answer in 500 ms")));
        round = Captured.with(round, 3, Captured.failed(3, PollResult.closed("connection reset")));
        assertEquals(Optional.of("node1"), leaderOf(decide(round, NOTHING).topology()));
    }

    @Test
    void nobodyAnsweringMeansNoLeader() {
        List<MemberPoll> round = List.of(Captured.failed(1, PollResult.refused("connection refused")),
                Captured.failed(2, PollResult.refused("connection refused")),
                Captured.failed(3, PollResult.timeout("no answer in 500 ms")));
        TopologyDecider.Decision d = decide(round, decide("patroni-3.0.2/normal"));
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertEquals("pool", d.topology().clusterName());
        assertEquals(MemberRole.UNKNOWN, d.topology().members().get(0).role());
        assertEquals("node1", d.topology().members().get(0).name(), "keeps the name it had");
        assertEquals("127.0.0.11:5432", decide(round, NOTHING).topology().members().get(0).name());
    }

    @Test
    void twoPrimariesMeanNoLeader() {
        List<MemberPoll> round = Captured.round("patroni-3.0.2/normal");
        MemberPoll node2ClaimsPrimary = Captured.poll(Captured.ADDRESSES.get(1),
                Captured.read("patroni-3.0.2/normal/cluster-node2.json"),
                Captured.read("patroni-3.0.2/failover-done/patroni-node3.json"));
        TopologyDecider.Decision d = decide(Captured.with(round, 2, node2ClaimsPrimary), decide("patroni-3.0.2/normal"));
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertTrue(d.noLeaderReason().orElseThrow().contains("more than one primary: node1, node2"),
                d.noLeaderReason().toString());
    }

    @Test
    void primaryClaimedByAMemberTheViewDoesNotNameMeansNoLeader() {
        List<MemberPoll> round = Captured.round("patroni-3.0.2/switchover-stopping");
        MemberPoll node2ClaimsPrimary = Captured.poll(Captured.ADDRESSES.get(1),
                Captured.read("patroni-3.0.2/switchover-stopping/cluster-node2.json"),
                Captured.read("patroni-3.0.2/switchover-done/patroni-node2.json"));
        TopologyDecider.Decision d = decide(Captured.with(round, 2, node2ClaimsPrimary), NOTHING);
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertTrue(d.noLeaderReason().orElseThrow().contains("runs as primary"), d.noLeaderReason().toString());
    }

    @Test
    void viewsThatDisagreeWithoutAMajorityMeanNoLeader() {
        List<MemberPoll> round = Captured.round("patroni-3.0.2/switchover-done");
        round = Captured.with(round, 3, Captured.failed(3, PollResult.refused("connection refused")));
        MemberPoll staleNode1 = Captured.poll(Captured.ADDRESSES.get(0),
                Captured.read("patroni-3.0.2/normal/cluster-node1.json"),
                Captured.read("patroni-3.0.2/switchover-done/patroni-node1.json"));
        TopologyDecider.Decision d = decide(Captured.with(round, 1, staleNode1), NOTHING);
        assertEquals(Optional.empty(), leaderOf(d.topology()));
        assertEquals(Optional.of("cluster views disagree on the leader"), d.noLeaderReason());
    }

    @Test
    void noloadbalanceTagKeepsReadsAway() {
        List<MemberPoll> round = Captured.round("patroni-3.0.2/normal");
        round = Captured.with(round, 2, Captured.poll(Captured.ADDRESSES.get(1),
                Captured.read("patroni-3.0.2/noloadbalance/cluster-node2.json"),
                Captured.read("patroni-3.0.2/normal/patroni-node2.json")));
        round = Captured.with(round, 1, Captured.failed(1, PollResult.timeout("no answer in 500 ms")));
        round = Captured.with(round, 3, Captured.failed(3, PollResult.refused("connection refused")));
        Topology t = decide(round, decide("patroni-3.0.2/normal")).topology();
        assertEquals(Optional.of("node1"), leaderOf(t), "node1 was leader, is slow, and the only view says so");
        assertTrue(t.member("node3").orElseThrow().noLoadBalance());
        assertEquals(List.of("node2"), t.healthyReplicas(0).stream().map(Member::name).toList());
    }

    @Test
    void pausedClusterIsReportedAndKeepsItsLeader() {
        List<MemberPoll> round = Captured.round("patroni-3.0.2/normal");
        round = Captured.with(round, 1, Captured.poll(Captured.ADDRESSES.get(0),
                Captured.read("patroni-3.0.2/paused/cluster-node1.json"),
                Captured.read("patroni-3.0.2/paused/patroni-node1.json")));
        Topology before = decide("patroni-3.0.2/normal");
        Topology t = decide(round, before).topology();
        assertTrue(t.paused());
        assertEquals(Optional.of("node1"), leaderOf(t));
        assertEquals(before.leaderSince(), t.leaderSince());
        assertEquals(before.generation() + 1, t.generation());
    }

    @Test
    void patroni4NormalWithPrimaryRoleSyncAndQuorumStandbys() {
        Topology t = decide("patroni-4.x/normal");
        assertEquals(Optional.of("node1"), leaderOf(t));
        assertEquals(5, t.timeline());
        assertEquals(MemberRole.SYNC_STANDBY, t.member("node2").orElseThrow().role());
        Member node3 = t.member("node3").orElseThrow();
        assertEquals(MemberRole.QUORUM_STANDBY, node3.role());
        assertEquals(OptionalLong.empty(), node3.lagBytes(), "lag \"unknown\"");
        assertEquals(List.of("node2"), t.healthyReplicas(0).stream().map(Member::name).toList());
        assertEquals(List.of("node2", "node3"),
                t.healthyReplicas(Long.MAX_VALUE).stream().map(Member::name).toList());
    }

    @Test
    void patroni4StandbyLeaderNeverTakesWrites() {
        Topology t = decide("patroni-4.x/standby-cluster");
        assertEquals(Optional.empty(), leaderOf(t));
        assertEquals("standby", t.clusterName());
        assertEquals(MemberRole.STANDBY_LEADER, t.member("node1").orElseThrow().role());
    }

    // ---- a pending switchover holds the leader

    private static Optional<PendingSwitchover> pending(String leader, String candidate, Instant at) {
        return Optional.of(new PendingSwitchover(Optional.ofNullable(leader), Optional.ofNullable(candidate),
                Optional.ofNullable(at)));
    }

    @Test
    void switchoverAwayFromTheLeaderHoldsIt() {
        Topology before = decide("patroni-3.0.2/normal");
        Topology held = TopologyDecider.decide("pool", Captured.round("patroni-3.0.2/normal"), before,
                pending("node1", "node2", null), T1).topology();
        assertTrue(held.leaderHeld());
        assertEquals(Optional.of("node1"), leaderOf(held), "it still leads");
        assertEquals(Optional.empty(), held.leaderForNewTransactions());
        assertEquals(before.generation() + 1, held.generation());
        assertEquals(before.leaderSince(), held.leaderSince(), "the leader did not change");
        assertSame(held, TopologyDecider.decide("pool", Captured.round("patroni-3.0.2/normal"), held,
                pending("node1", "node2", null), T1).topology(), "the same round again changes nothing");
    }

    @Test
    void holdFollowsPatronisOwnRuleForWhoIsDemoted() {
        Topology before = decide("patroni-3.0.2/normal");
        assertTrue(TopologyDecider.reconsiderHold(before, pending(null, "node3", null), T1).leaderHeld(),
                "a failover to another candidate demotes the leader");
        assertTrue(TopologyDecider.reconsiderHold(before, pending("node1", null, null), T1).leaderHeld(),
                "a switchover to any replica");
        assertSame(before, TopologyDecider.reconsiderHold(before, pending("node2", "node3", null), T1),
                "names another leader: Patroni cleans the key up");
        assertSame(before, TopologyDecider.reconsiderHold(before, pending("node1", "node1", null), T1),
                "the candidate is the leader already");
        assertSame(before, TopologyDecider.reconsiderHold(before, Optional.empty(), T1));
    }

    @Test
    void scheduledSwitchoverHoldsOnlyOnceDue() {
        Topology before = decide("patroni-3.0.2/normal");
        Optional<PendingSwitchover> later = pending("node1", "node2", T1.plusSeconds(60));
        assertSame(before, TopologyDecider.reconsiderHold(before, later, T1));
        assertTrue(TopologyDecider.reconsiderHold(before, later, T1.plusSeconds(60)).leaderHeld());
    }

    @Test
    void cancelledSwitchoverReleasesTheSameLeader() {
        Topology held = TopologyDecider.reconsiderHold(decide("patroni-3.0.2/normal"), pending("node1", "node2", null), T1);
        Topology released = TopologyDecider.reconsiderHold(held, Optional.empty(), T1.plusSeconds(1));
        assertFalse(released.leaderHeld());
        assertEquals(Optional.of("node1"), released.leaderForNewTransactions().map(Member::name));
        assertEquals(held.generation() + 1, released.generation());
    }

    @Test
    void newLeaderIsNotHeldByTheKeyThatNamedTheOldOne() {
        Topology held = TopologyDecider.reconsiderHold(decide("patroni-3.0.2/normal"), pending("node1", "node2", null), T1);
        Topology stopping = TopologyDecider.decide("pool", Captured.round("patroni-3.0.2/switchover-stopping"), held,
                pending("node1", "node2", null), T1).topology();
        assertFalse(stopping.leaderHeld(), "no leader: nothing to hold");
        Topology done = TopologyDecider.decide("pool", Captured.round("patroni-3.0.2/switchover-done"), stopping,
                pending("node1", "node2", null), T1).topology();
        assertEquals(Optional.of("node2"), done.leaderForNewTransactions().map(Member::name));
    }
}
