package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;

/**
 * The topology decided from Patroni's keys as Patroni 3.0.2 writes them in etcd (member keys,
 * {@code leader}, {@code status}, {@code sync}, {@code config}), with the leader's own
 * {@code /patroni} answer (captured) as the fence.
 */
class DcsClusterViewTest {

    private static final Instant NOW = Instant.parse("2026-12-04T04:00:00Z");
    private static final List<MemberAddress> MEMBERS = Captured.ADDRESSES;
    private static final String NODE1_PRIMARY = Captured.read("patroni-3.0.2/normal/patroni-node1.json").orElseThrow();
    private static final String NODE2_REPLICA = Captured.read("patroni-3.0.2/switchover-promoting/patroni-node2.json")
            .orElseThrow();

    private static String memberKey(int node, String role, long xlog, String tags) {
        String host = "127.0.0.1" + node;
        return "{\"conn_url\":\"postgres://" + host + ":5432/postgres\",\"api_url\":\"http://" + host
                + ":8008/patroni\",\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\","
                + "\"xlog_location\":" + xlog + ",\"timeline\":1" + (tags.isEmpty() ? "" : ",\"tags\":" + tags) + "}";
    }

    private static Map<String, String> normal() {
        Map<String, String> keys = new HashMap<>();
        keys.put("leader", "node1");
        keys.put("members/node1", memberKey(1, "master", 67109000, ""));
        keys.put("members/node2", memberKey(2, "replica", 67108000, ""));
        keys.put("members/node3", memberKey(3, "replica", 67109000, ""));
        keys.put("status", "{\"optime\":67109000,\"slots\":{\"node2\":67108000,\"node3\":67109000}}");
        keys.put("config", "{\"ttl\":30,\"loop_wait\":10}");
        return keys;
    }

    private static DcsClusterView.View view(Map<String, String> keys) {
        return DcsClusterView.of(new DcsState(keys, 7), "demo");
    }

    private static Optional<LeaderFence.Answer> answered(DcsClusterView.View view, String body) {
        LeaderFence.Target target = DcsClusterView.leaderTarget(view, MEMBERS).orElseThrow();
        return Optional.of(new LeaderFence.Answer(target, MemberPoll.status(HttpOutcome.ok(body))));
    }

    private static TopologyDecider.Decision decide(DcsClusterView.View view, Optional<LeaderFence.Answer> leader,
            Topology previous) {
        return TopologyDecider.decide("fallback", DcsClusterView.polls(view, MEMBERS, leader), previous,
                Optional.empty(), NOW);
    }

    private static Member member(Topology t, String name) {
        return t.member(name).orElseThrow();
    }

    @Test
    void theLeaderTheKeysNameLeadsOnceItsOwnPatroniSaysPrimaryAndReplicasComeFromTheirKeys() {
        DcsClusterView.View view = view(normal());
        assertEquals(Optional.of(new LeaderFence.Target("node1", MEMBERS.get(0))),
                DcsClusterView.leaderTarget(view, MEMBERS));
        Topology t = decide(view, answered(view, NODE1_PRIMARY), Topology.initial("fallback", NOW)).topology();
        assertEquals(Optional.of("node1"), t.leaderName());
        assertEquals("demo", t.clusterName());
        assertEquals(MemberRole.REPLICA, member(t, "node2").role());
        assertEquals(OptionalLong.of(1000), member(t, "node2").lagBytes(), "status's optime less its xlog_location");
        assertEquals(OptionalLong.of(0), member(t, "node3").lagBytes());
        assertEquals(List.of("node2", "node3"), t.healthyReplicas(Long.MAX_VALUE).stream().map(Member::name).toList());
        assertEquals(List.of("node3"), t.healthyReplicas(500).stream().map(Member::name).toList());
        assertTrue(t.members().stream().allMatch(m -> m.lastPoll().ok()), "no member is failing: " + t);
        assertFalse(t.paused());
    }

    @Test
    void aLeaderKeyWhoseHolderSaysReplicaIsNotPublished() {
        Map<String, String> keys = normal();
        keys.put("leader", "node2");
        DcsClusterView.View view = view(keys);
        Topology before = decide(view(normal()), answered(view(normal()), NODE1_PRIMARY),
                Topology.initial("fallback", NOW)).topology();
        TopologyDecider.Decision d = decide(view, answered(view, NODE2_REPLICA), before);
        assertEquals(Optional.empty(), d.topology().leaderName());
        assertTrue(d.noLeaderReason().orElseThrow().contains("node2's own /patroni says role replica"),
                d.noLeaderReason().toString());
    }

    @Test
    void aNewLeaderNotYetAnsweredIsNotPublishedButTheSameOneStays() {
        DcsClusterView.View view = view(normal());
        LeaderFence.Target node1 = DcsClusterView.leaderTarget(view, MEMBERS).orElseThrow();
        Optional<LeaderFence.Answer> notYet = Optional.of(new LeaderFence.Answer(node1, new MemberPoll.Status(
                PollResult.timeout("its own /patroni has not answered yet"), Optional.empty())));
        assertEquals(Optional.empty(), decide(view, notYet, Topology.initial("fallback", NOW)).topology().leaderName());
        Topology led = decide(view, answered(view, NODE1_PRIMARY), Topology.initial("fallback", NOW)).topology();
        assertEquals(Optional.of("node1"), decide(view, notYet, led).topology().leaderName(),
                "the leader it already confirmed, asked again, stays while the answer is out");
    }

    @Test
    void rolesTagsPauseAndMissingKeysAreReadAsPatronisClusterReadsThem() {
        Map<String, String> keys = normal();
        keys.put("members/node2", memberKey(2, "replica", 67108000, "{\"noloadbalance\":true,\"nofailover\":\"on\"}"));
        keys.put("sync", "{\"leader\":\"node1\",\"sync_standby\":\"node3\"}");
        keys.put("config", "{\"ttl\":30,\"pause\":true}");
        keys.remove("members/node3");
        DcsClusterView.View view = view(keys);
        Topology t = decide(view, answered(view, NODE1_PRIMARY), Topology.initial("fallback", NOW)).topology();
        assertEquals(Optional.of("node1"), t.leaderName());
        assertTrue(t.paused());
        Member node2 = member(t, "node2");
        assertTrue(node2.noLoadBalance() && node2.noFailover());
        Member third = t.members().get(2);
        assertEquals(MemberRole.UNKNOWN, third.role());
        assertFalse(third.lastPoll().ok(), "no key in etcd: " + third);

        keys.put("members/node3", memberKey(3, "replica", 67109000, ""));
        assertEquals(MemberRole.SYNC_STANDBY, member(decide(view(keys), answered(view(keys), NODE1_PRIMARY),
                Topology.initial("fallback", NOW)).topology(), "node3").role());
    }

    @Test
    void aHolderWhoseKeySaysItDoesNotRunIsNoLeaderAndNothingIsAsked() {
        Map<String, String> keys = normal();
        keys.put("members/node1", memberKey(1, "master", 67109000, "").replace("\"running\"", "\"stopped\""));
        DcsClusterView.View view = view(keys);
        assertEquals(Optional.empty(), DcsClusterView.leaderTarget(view, MEMBERS));
        assertEquals(Optional.of("master/stopped"), view.holderRoleState());
        TopologyDecider.Decision d = decide(view, Optional.empty(), Topology.initial("fallback", NOW));
        assertEquals(Optional.empty(), d.topology().leaderName());
        keys.remove("leader");
        assertEquals(Optional.empty(), view(keys).holder());
    }
}
