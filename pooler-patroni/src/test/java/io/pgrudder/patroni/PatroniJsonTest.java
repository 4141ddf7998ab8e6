package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class PatroniJsonTest {

    @Test
    void patroni3ClusterView() throws Exception {
        ClusterView v = PatroniJson.parseCluster(Captured.read("patroni-3.0.2/switchover-promoting/cluster-node1.json")
                .orElseThrow());
        assertEquals(Optional.empty(), v.scope());
        assertEquals(3, v.members().size());
        ClusterView.Entry node1 = v.members().get(0);
        assertEquals("stopping", node1.state());
        assertEquals(Optional.empty(), node1.lagBytes());
        assertEquals(Optional.of("127.0.0.11"), node1.apiHost());
        assertEquals(Optional.of(0L), v.members().get(1).lagBytes());
        assertTrue(v.members().get(2).noLoadBalance());
        assertEquals(Optional.empty(), v.runningLeader());
    }

    @Test
    void walPositionIsAPrimarysLocationAndAReplicasReceivedLocation() throws Exception {
        assertEquals(java.util.OptionalLong.of(67111872), PatroniJson.walPosition(
                Captured.read("patroni-3.0.2/switchover-done/patroni-node2.json").orElseThrow()));
        assertEquals(java.util.OptionalLong.of(67111824), PatroniJson.walPosition(
                Captured.read("patroni-3.0.2/switchover-promoting/patroni-node2.json").orElseThrow()));
        assertEquals(java.util.OptionalLong.of(7), PatroniJson.walPosition(
                "{\"role\": \"replica\", \"xlog\": {\"replayed_location\": 7}}"), "nothing received since start");
        assertEquals(java.util.OptionalLong.empty(), PatroniJson.walPosition("{\"state\": \"stopped\", \"role\": \"replica\"}"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.walPosition("[]"));
    }

    @Test
    void patroni3NodeStatusSaysMaster() throws Exception {
        NodeStatus s = PatroniJson.parseNodeStatus(Captured.read("patroni-3.0.2/normal/patroni-node1.json").orElseThrow());
        assertEquals("master", s.role());
        assertTrue(s.isRunningPrimary());
        assertEquals(Optional.of("demo"), s.scope());
        assertEquals(Optional.empty(), s.name());
    }

    @Test
    void patroni4NodeStatusSaysPrimaryAndHasAName() throws Exception {
        NodeStatus s = PatroniJson.parseNodeStatus(Captured.read("patroni-4.x/normal/patroni-node1.json").orElseThrow());
        assertEquals("primary", s.role());
        assertTrue(s.isRunningPrimary());
        assertEquals(Optional.of("node1"), s.name());
    }

    @Test
    void stringTagsAreUnderstood() throws Exception {
        ClusterView v = PatroniJson.parseCluster("{\"members\":[{\"name\":\"a\",\"role\":\"replica\","
                + "\"state\":\"streaming\",\"tags\":{\"noloadbalance\":\"true\",\"nofailover\":\"on\"},\"lag\":5}]}");
        assertTrue(v.members().get(0).noLoadBalance());
        assertTrue(v.members().get(0).noFailover());
        assertEquals(Optional.of(5L), v.members().get(0).lagBytes());
    }

    @Test
    void garbageIsRejectedWithAShortReason() {
        assertEquals("not JSON: \"<html><body>502 Bad Gateway</body></html>\"",
                assertThrows(PatroniJsonException.class,
                        () -> PatroniJson.parseCluster("<html><body>502 Bad Gateway</body></html>")).getMessage());
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseCluster(""));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseCluster("[]"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseCluster("{\"members\": {}}"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseCluster("{\"members\": [{\"name\": \"a\"}]}"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseCluster("{\"members\": [1]}"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseNodeStatus("{\"state\": \"running\"}"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseNodeStatus("{\"role\": 1, \"state\": \"x\"}"));
        assertThrows(PatroniJsonException.class, () -> PatroniJson.parseNodeStatus("{\"role\": \"master\""));
        String longGarbage = "x".repeat(500);
        String reason = assertThrows(PatroniJsonException.class, () -> PatroniJson.parseNodeStatus(longGarbage))
                .getMessage();
        assertTrue(reason.length() < 80, reason);
    }
}
