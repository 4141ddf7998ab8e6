package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import io.pgrudder.core.config.PatroniEtcdSettings;
import io.pgrudder.core.testing.CuttingProxy;
import io.pgrudder.core.topology.DcsWatch;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.patroni.testing.PatroniCluster;

/**
 * The etcd watch against a real three-node cluster and its etcd; the tests run in order on one
 * cluster. Two pollers follow it: {@code watching}, whose REST polls come every ten minutes
 * (so only the watch can explain a move within a test), and {@code cutOff}, whose etcd endpoint
 * is an address of the block where nothing listens (etcd unreachable for it, not for Patroni),
 * polling REST every 500 ms as without a watch.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdWatchIT {

    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final Duration NEVER = Duration.ofMinutes(10);

    private static PatroniCluster cluster;
    private static PatroniPoller watching;
    private static PatroniPoller cutOff;
    private static final List<Topology> seen = new CopyOnWriteArrayList<>();

    /**
     * A copy of what was seen from index {@code first} on. The poller keeps appending: a subList
     * of the live list fails (ConcurrentModificationException) as soon as it has grown, for
     * example while an assertion message prints it.
     */
    private static List<Topology> seenSince(int first) {
        List<Topology> all = List.copyOf(seen);
        return all.subList(first, all.size());
    }

    @BeforeAll
    static void startCluster() {
        cluster = PatroniCluster.start();
        List<MemberAddress> members = PatroniCluster.nodes().stream()
                .map(n -> new MemberAddress(PatroniCluster.host(n), PatroniCluster.PG_PORT)).toList();
        PatroniEtcdSettings etcd = new PatroniEtcdSettings(List.of(
                // the first is refused: the watch moves on to the next host
                new PatroniEtcdSettings.Endpoint(PatroniCluster.ETCD_HOST, 2399),
                new PatroniEtcdSettings.Endpoint(PatroniCluster.ETCD_HOST, 2379)),
                PatroniCluster.SCOPE, PatroniCluster.NAMESPACE);
        watching = new PatroniPoller("watching", members, PatroniPollerSettings.DEFAULTS
                .withPollInterval(NEVER).withEtcd(etcd, NEVER)).start();
        watching.subscribe(seen::add);
        PatroniEtcdSettings nowhere = new PatroniEtcdSettings(List.of(
                new PatroniEtcdSettings.Endpoint(PatroniCluster.ETCD_HOST, 2399)), PatroniCluster.SCOPE,
                PatroniCluster.NAMESPACE);
        cutOff = new PatroniPoller("cut-off", members, PatroniPollerSettings.DEFAULTS
                .withPollInterval(Duration.ofMillis(500)).withEtcd(nowhere, NEVER)).start();
    }

    @AfterAll
    static void stopCluster() {
        for (PatroniPoller p : new PatroniPoller[] {watching, cutOff}) {
            if (p != null) {
                p.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Topology await(PatroniPoller poller, String what, Predicate<Topology> condition) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (Instant.now().isBefore(deadline)) {
            Topology t = poller.current();
            if (condition.test(t)) {
                return t;
            }
            sleep(50);
        }
        throw new AssertionError("within " + GENEROUS + ": " + what + "; last topology " + poller.current()
                + ", watch " + poller.dcsWatch());
    }

    private static void awaitWatch(PatroniPoller poller, DcsWatch state) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (poller.dcsWatch() != state) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(poller + ": watch not " + state + " within " + GENEROUS + ": "
                        + poller.dcsWatch());
            }
            sleep(50);
        }
    }

    private static Optional<String> leaderName(Topology t) {
        return t.leader().map(Member::name);
    }

    private static String otherThan(String node) {
        return PatroniCluster.nodes().stream().filter(n -> !n.equals(node)).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void watchGoesLivePastARefusedHostAndTheCutOffOneIsDown() {
        awaitWatch(watching, DcsWatch.LIVE);
        awaitWatch(cutOff, DcsWatch.DOWN);
        await(watching, "node1 leads", t -> leaderName(t).equals(Optional.of("node1")));
        await(cutOff, "node1 leads", t -> leaderName(t).equals(Optional.of("node1")));
    }

    @Test
    @Order(2)
    void aWatchEventMovesTheTopologyWithoutWaitingForAPoll() {
        String old = leaderName(await(watching, "a leader", t -> t.leader().isPresent())).orElseThrow();
        String candidate = otherThan(old);
        long onSchedule = watching.roundsOnSchedule();
        long onRequest = watching.roundsOnRequest();
        long checks = watching.leaderChecks();
        long rest = restRequests(watching);
        cluster.switchover(candidate);
        Topology t = await(watching, "leader is " + candidate, x -> leaderName(x).equals(Optional.of(candidate)));
        assertEquals(PatroniCluster.host(candidate), t.leader().orElseThrow().host());
        assertEquals(onSchedule, watching.roundsOnSchedule(), "no round on schedule while the watch is live");
        assertEquals(onRequest, watching.roundsOnRequest(), "no full round either: the DCS decides");
        assertTrue(watching.leaderChecks() > checks, "the new leader was confirmed by its own /patroni");
        assertEquals(watching.leaderChecks() - checks, restRequests(watching) - rest,
                "every REST request was a check of the leader the DCS named");
        assertTrue(seen.stream().anyMatch(x -> x.leaderHeld() && leaderName(x).equals(Optional.of(old))),
                "the switchover's failover key held the old leader before it stepped down: " + seen);
        cluster.awaitHealthy(GENEROUS);
    }

    @Test
    @Order(3)
    void withEtcdUnreachableRestPollingStillFollowsASwitchover() {
        String old = leaderName(await(cutOff, "a leader", t -> t.leader().isPresent())).orElseThrow();
        String candidate = otherThan(old);
        cluster.switchover(candidate);
        await(cutOff, "leader is " + candidate, x -> leaderName(x).equals(Optional.of(candidate)));
        assertEquals(DcsWatch.DOWN, cutOff.dcsWatch());
        cluster.awaitHealthy(GENEROUS);
        await(watching, "leader is " + candidate, x -> leaderName(x).equals(Optional.of(candidate)));
    }

    /**
     * The key written by hand while the leader's Patroni is frozen (so that it cannot act on it):
     * the leader is held as long as the key asks to move away from it, and released, still leading,
     * when the key is cleared the way Patroni clears it ({@code {}}).
     */
    @Test
    @Order(4)
    void theFailoverKeyHoldsTheLeaderUntilItIsCleared() {
        String leader = leaderName(await(watching, "a leader", t -> t.leader().isPresent() && !t.leaderHeld()))
                .orElseThrow();
        String candidate = otherThan(leader);
        cluster.stopApi(leader);
        try {
            cluster.putDcsKey("failover", "{\"leader\":\"" + leader + "\",\"member\":\"" + candidate + "\"}");
            Topology held = await(watching, leader + " held", Topology::leaderHeld);
            assertEquals(Optional.of(leader), leaderName(held));
            assertEquals(Optional.empty(), held.leaderForNewTransactions());
            assertFalse(cutOff.current().leaderHeld(), "without the watch nothing is held");
            cluster.putDcsKey("failover", "{}");
            Topology released = await(watching, leader + " released", t -> !t.leaderHeld());
            assertEquals(Optional.of(leader), released.leaderForNewTransactions().map(Member::name));
        } finally {
            cluster.startApi(leader);
        }
    }

    @Test
    @Order(5)
    void aScheduledSwitchoverHoldsOnlyOnceDueThenMoves() {
        String old = leaderName(await(watching, "a leader", t -> t.leader().isPresent() && !t.leaderHeld()))
                .orElseThrow();
        String candidate = otherThan(old);
        int first = seen.size();
        cluster.scheduleSwitchover(candidate, Instant.now().plusSeconds(4));
        Topology moved = await(watching, "leader is " + candidate, x -> leaderName(x).equals(Optional.of(candidate)));
        assertFalse(moved.leaderHeld());
        List<Topology> during = seenSince(first);
        assertTrue(during.stream().anyMatch(x -> x.leaderHeld() && leaderName(x).equals(Optional.of(old))),
                "held when due: " + during);
        cluster.awaitHealthy(GENEROUS);
    }

    @Test
    @Order(6)
    void aCancelledScheduledSwitchoverNeverHolds() {
        String leader = leaderName(await(watching, "a leader", t -> t.leader().isPresent() && !t.leaderHeld()))
                .orElseThrow();
        int first = seen.size();
        cluster.scheduleSwitchover(otherThan(leader), Instant.now().plusSeconds(3600));
        awaitPending("the scheduled switchover", p -> p.isPresent() && p.get().scheduledAt().isPresent());
        cluster.cancelScheduledSwitchover();
        awaitPending("the cancel", Optional::isEmpty);
        List<Topology> since = seenSince(first);
        assertTrue(since.stream().noneMatch(Topology::leaderHeld), "nothing due, nothing held: " + since);
        assertEquals(Optional.of(leader), leaderName(watching.current()));
    }

    /**
     * While the watch is live no member's REST API is polled on a schedule, however short
     * {@code patroni_poll_interval} is: a poller polling every 200 ms once live sends nothing while
     * the {@code cutOff} poller (REST only, every 500 ms) makes four rounds. A leader check is all the
     * REST it sent since it went live.
     */
    @Test
    @Order(7)
    void whileTheWatchIsLiveNoMemberIsPolledOnASchedule() {
        PatroniPoller fast = new PatroniPoller("fast", members(), PatroniPollerSettings.DEFAULTS
                .withPollInterval(Duration.ofMillis(200)).withEtcd(etcdDirect(), Duration.ofMillis(200))).start();
        try {
            awaitWatch(fast, DcsWatch.LIVE);
            await(fast, "a leader", t -> t.leader().isPresent());
            awaitCount("fast's leader check", fast::leaderChecks, 1);
            long onSchedule = fast.roundsOnSchedule();
            long onRequest = fast.roundsOnRequest();
            long rest = restRequests(fast);
            awaitCount("four more REST rounds of the cut-off poller", cutOff::roundsOnSchedule,
                    cutOff.roundsOnSchedule() + 4);
            assertEquals(DcsWatch.LIVE, fast.dcsWatch());
            assertEquals(onSchedule, fast.roundsOnSchedule());
            assertEquals(onRequest, fast.roundsOnRequest());
            assertEquals(rest, restRequests(fast), "no REST request at all while nothing changed");
            assertTrue(fast.current().leader().isPresent());
        } finally {
            fast.close();
        }
    }

    /**
     * etcd cut off (a partition: open connections cut, new ones refused) while the watch is live:
     * the poller goes back to polling every member at {@code patroni_poll_interval}, keeps the
     * leader, and stops polling again once the watch is live again.
     */
    @Test
    @Order(8)
    void etcdGoingDownFallsBackToFullRestPollingAndBack() throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(PatroniCluster.ETCD_HOST, 2379)) {
            PatroniEtcdSettings viaProxy = new PatroniEtcdSettings(List.of(
                    new PatroniEtcdSettings.Endpoint("127.0.0.1", proxy.port())), PatroniCluster.SCOPE,
                    PatroniCluster.NAMESPACE);
            PatroniPoller poller = new PatroniPoller("partitioned", members(), PatroniPollerSettings.DEFAULTS
                    .withPollInterval(Duration.ofMillis(200)).withEtcd(viaProxy, Duration.ofMillis(500))).start();
            try {
                awaitWatch(poller, DcsWatch.LIVE);
                String leader = leaderName(await(poller, "a leader", t -> t.leader().isPresent())).orElseThrow();
                long onSchedule = poller.roundsOnSchedule();
                proxy.refuseNew(true);
                proxy.cutNow();
                awaitWatch(poller, DcsWatch.DOWN);
                awaitCount("REST rounds on schedule again", poller::roundsOnSchedule, onSchedule + 3);
                for (MemberAddress m : members()) {
                    assertTrue(poller.restRequests(m) >= 6, "every member polled: " + m);
                }
                assertEquals(Optional.of(leader), leaderName(poller.current()));
                proxy.refuseNew(false);
                awaitWatch(poller, DcsWatch.LIVE);
                await(poller, "a leader", t -> t.leader().isPresent());
                long rounds = poller.roundsOnSchedule() + poller.roundsOnRequest();
                awaitCount("four more REST rounds of the cut-off poller", cutOff::roundsOnSchedule,
                        cutOff.roundsOnSchedule() + 4);
                assertEquals(rounds, poller.roundsOnSchedule() + poller.roundsOnRequest(),
                        "no REST round once the watch is live again");
            } finally {
                poller.close();
            }
        }
    }

    private static List<MemberAddress> members() {
        return PatroniCluster.nodes().stream()
                .map(n -> new MemberAddress(PatroniCluster.host(n), PatroniCluster.PG_PORT)).toList();
    }

    private static PatroniEtcdSettings etcdDirect() {
        return new PatroniEtcdSettings(List.of(new PatroniEtcdSettings.Endpoint(PatroniCluster.ETCD_HOST, 2379)),
                PatroniCluster.SCOPE, PatroniCluster.NAMESPACE);
    }

    private static long restRequests(PatroniPoller poller) {
        return members().stream().mapToLong(poller::restRequests).sum();
    }

    private static void awaitCount(String what, java.util.function.LongSupplier count, long atLeast) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (count.getAsLong() < atLeast) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(what + ": " + count.getAsLong() + " < " + atLeast + " within " + GENEROUS);
            }
            sleep(50);
        }
    }

    private static void awaitPending(String what, Predicate<Optional<PendingSwitchover>> condition) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (!condition.test(watching.pendingSwitchover())) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the watch did not see " + what + " within " + GENEROUS + ": "
                        + watching.pendingSwitchover());
            }
            sleep(50);
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
