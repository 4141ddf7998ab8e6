package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.patroni.testing.PatroniCluster;

/** The poller against a real three-node Patroni cluster; the tests run in order on one cluster. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniPollerIT {

    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final long MAX_LAG = 16L << 20;

    private static PatroniCluster cluster;
    private static PatroniPoller poller;
    private static final List<Topology> published = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = PatroniCluster.start();
        List<MemberAddress> members = PatroniCluster.nodes().stream()
                .map(n -> new MemberAddress(PatroniCluster.host(n), PatroniCluster.PG_PORT)).toList();
        poller = new PatroniPoller("pool-demo", members,
                PatroniPollerSettings.DEFAULTS.withPollInterval(Duration.ofMillis(500))).start();
        poller.subscribe(published::add);
    }

    @AfterAll
    static void stopCluster() {
        if (poller != null) {
            poller.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Topology await(String what, Predicate<Topology> condition) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (Instant.now().isBefore(deadline)) {
            Topology t = poller.current();
            if (condition.test(t)) {
                return t;
            }
            sleep(100);
        }
        throw new AssertionError("within " + GENEROUS + ": " + what + "; last topology " + poller.current());
    }

    private static Optional<String> leaderName(Topology t) {
        return t.leader().map(Member::name);
    }

    @Test
    @Order(1)
    void findsTheLeaderAndTwoHealthyReplicas() throws SQLException {
        Topology t = await("node1 leads, two healthy replicas",
                x -> leaderName(x).equals(Optional.of("node1")) && x.healthyReplicas(MAX_LAG).size() == 2);
        assertEquals(PatroniCluster.SCOPE, t.clusterName());
        Member leader = t.leader().orElseThrow();
        assertEquals(PatroniCluster.host("node1"), leader.host());
        assertEquals(PatroniCluster.PG_PORT, leader.port());
        assertTrue(t.timeline() >= 1);
        assertFalse(t.paused());
        assertTrue(t.members().stream().allMatch(m -> m.lastPoll().ok()), t.toString());
        assertFalse(inRecovery(leader));
        for (Member replica : t.healthyReplicas(MAX_LAG)) {
            assertTrue(inRecovery(replica), replica.toString());
        }
        await("the listener got the snapshot", x -> !published.isEmpty()
                && published.get(published.size() - 1).generation() == poller.current().generation());
    }

    @Test
    @Order(2)
    void aFrozenReplicaApiDoesNotMoveTheLeader() {
        Topology before = poller.current();
        String leader = leaderName(before).orElseThrow();
        String frozen = PatroniCluster.nodes().stream().filter(n -> !n.equals(leader)).reduce((a, b) -> b).orElseThrow();
        int firstNew = published.size();
        cluster.stopApi(frozen);
        try {
            Topology t = await(frozen + "'s poll times out",
                    x -> x.members().stream().anyMatch(m -> m.name().equals(frozen)
                            && m.lastPoll().kind() == PollResult.Kind.TIMEOUT));
            assertEquals(Optional.of(leader), leaderName(t));
            sleep(3000);
        } finally {
            cluster.startApi(frozen);
        }
        for (Topology t : published.subList(firstNew, published.size())) {
            assertEquals(Optional.of(leader), leaderName(t), "leader moved while " + frozen + " was frozen: " + t);
        }
        await(frozen + " answers again", x -> x.members().stream().allMatch(m -> m.lastPoll().ok()));
    }

    @Test
    @Order(3)
    void followsASwitchover() throws SQLException {
        String old = leaderName(poller.current()).orElseThrow();
        String candidate = PatroniCluster.nodes().stream().filter(n -> !n.equals(old)).findFirst().orElseThrow();
        long generation = poller.current().generation();
        cluster.switchover(candidate);
        Topology t = await("leader is " + candidate, x -> leaderName(x).equals(Optional.of(candidate)));
        assertTrue(t.generation() > generation);
        assertEquals(PatroniCluster.host(candidate), t.leader().orElseThrow().host());
        assertFalse(inRecovery(t.leader().orElseThrow()));
        assertTrue(published.stream().allMatch(p -> leaderName(p).map(l -> l.equals(old) || l.equals(candidate)
                || p.generation() <= generation).orElse(true)), "no third leader was ever named");
        cluster.awaitHealthy(GENEROUS);
    }

    @Test
    @Order(4)
    void findsANewLeaderAfterTheLeaderIsKilled() throws SQLException {
        String old = leaderName(await("a leader", x -> x.leader().isPresent())).orElseThrow();
        String killed = cluster.killLeader();
        assertEquals(old, killed);
        Topology t = await("a new leader other than " + killed,
                x -> leaderName(x).filter(l -> !l.equals(killed)).isPresent());
        assertNotEquals(killed, leaderName(t).orElseThrow());
        assertFalse(inRecovery(t.leader().orElseThrow()));
    }

    private static boolean inRecovery(Member member) throws SQLException {
        String url = "jdbc:postgresql://" + member.host() + ":" + member.port() + "/postgres?connectTimeout=5";
        try (Connection c = DriverManager.getConnection(url, PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("select pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
