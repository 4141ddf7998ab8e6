package io.pgrudder.core.routing;

import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterReplicasTest {

    private static Member member(String name, String host, MemberRole role) {
        return new Member(name, host, 5432, role, Member.STATE_RUNNING, OptionalLong.of(0), 1, false, false, PollResult.OK);
    }

    private static TopologySource source(List<Member> members, String leader) {
        Topology topology = new Topology("demo", members, Optional.ofNullable(leader), Instant.now(), 1, false, 1);
        return new TopologySource() {
            @Override
            public Topology current() {
                return topology;
            }

            @Override
            public Runnable subscribe(Consumer<Topology> listener) {
                listener.accept(topology);
                return () -> { };
            }

            @Override
            public void pollNow() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void askingWhetherAServerIsKnownDoesNotTakeTheNextReplicaInTurn() {
        ClusterReplicas target = new ClusterReplicas(source(List.of(member("n1", "10.0.0.1", MemberRole.LEADER),
                member("n2", "10.0.0.2", MemberRole.REPLICA), member("n3", "10.0.0.3", MemberRole.REPLICA)), "n1"),
                Duration.ofSeconds(1), null);
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertTrue(target.known());
            assertTrue(target.known());
            picked.add(target.address().map(ServerAddress::host).orElseThrow());
        }
        assertEquals(List.of("10.0.0.2", "10.0.0.3", "10.0.0.2", "10.0.0.3"), picked);
        assertEquals(2, target.spread());
    }

    @Test
    void withNoReplicaAndNoLeaderNothingIsKnown() {
        ClusterReplicas target = new ClusterReplicas(source(List.of(), null), Duration.ofSeconds(1), null);
        assertFalse(target.known());
        assertTrue(target.address().isEmpty());
    }

    @Test
    void anAdminBanTakesAReplicaOutAndAllOfThemSendsReadsToTheLeaderWhichIsNeverBanned() {
        ClusterReplicas target = new ClusterReplicas(source(List.of(member("n1", "10.0.0.1", MemberRole.LEADER),
                member("n2", "10.0.0.2", MemberRole.REPLICA), member("n3", "10.0.0.3", MemberRole.REPLICA)), "n1"),
                Duration.ofSeconds(1), null);
        assertEquals(List.of(), target.ban("10.0.0.1", Duration.ofSeconds(60)), "the leader is never banned");
        assertEquals(1, target.ban("10.0.0.2", Duration.ofSeconds(60)).size());
        assertEquals(List.of("10.0.0.3", "10.0.0.3"), List.of(target.address().orElseThrow().host(),
                target.address().orElseThrow().host()));
        target.ban("10.0.0.3", Duration.ofSeconds(60));
        assertEquals("10.0.0.1", target.address().orElseThrow().host(), "every replica banned: reads on the leader");
        assertEquals(2, target.bans().size());
        assertEquals(1, target.unban("10.0.0.2").size());
        assertEquals("10.0.0.2", target.address().orElseThrow().host());
    }
}
