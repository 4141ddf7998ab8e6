package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pgrudder.core.config.PatroniEtcdSettings;
import io.pgrudder.core.testing.CuttingProxy;
import io.pgrudder.patroni.testing.StandaloneEtcd;

/**
 * The etcd watch when its connection is cut: a real etcd behind a {@link CuttingProxy} that cuts
 * every open connection and then refuses new ones (a partition), while the test goes on writing
 * Patroni's keys straight to etcd. When the partition heals, the watch resumes from the revision
 * after the last one it applied and hears every change made meanwhile; if etcd compacted that
 * revision away, it reads the keys again and still hears them.
 */
class EtcdWatchResumeIT {
    private static final String PREFIX = "/service/demo/";
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    private static StandaloneEtcd etcd;
    private static EventLoopGroup group;
    private CuttingProxy proxy;
    private EtcdWatch watch;
    private final HeardWatch heard = new HeardWatch();
    private final List<String> changed = heard.changed;
    private final List<Optional<PendingSwitchover>> failover = heard.failover;
    private final List<String> states = heard.states;

    @BeforeAll
    static void startEtcd() {
        etcd = StandaloneEtcd.plain();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEtcd() {
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void startWatch() throws IOException {
        proxy = new CuttingProxy("127.0.0.1", etcd.port());
        PatroniEtcdSettings settings = new PatroniEtcdSettings(
                List.of(new PatroniEtcdSettings.Endpoint("127.0.0.1", proxy.port())), "demo", "/service");
        PatroniHttpClient http = new PatroniHttpClient(group, NioSocketChannel.class, Optional.empty(),
                Duration.ofSeconds(2));
        watch = new EtcdWatch("resume-it", settings, group.next(), NioSocketChannel.class, http, Optional.empty(),
                Duration.ofSeconds(2), heard);
        watch.start();
        await("the watch is live", () -> live() == 1);
    }

    @AfterEach
    void stopWatch() throws IOException {
        watch.close();
        proxy.close();
    }

    private long live() {
        return states.stream().filter(s -> s.startsWith("LIVE")).count();
    }

    private void partition() {
        proxy.refuseNew(true);
        proxy.cutNow();
        await("the watch is down", () -> states.stream().anyMatch(s -> s.startsWith("DOWN")));
    }

    @Test
    void aCutStreamResumesFromTheNextRevisionAndMissesNoChangeMadeMeanwhile() {
        long before = etcd.put(PREFIX + "leader", "node1");
        await("the leader key is heard", () -> changed.contains("leader"));
        changed.clear();

        partition();
        etcd.put(PREFIX + "leader", "node2");
        etcd.put(PREFIX + "members/node3", "{\"role\":\"replica\",\"state\":\"running\",\"timeline\":1}");
        proxy.refuseNew(false);

        await("the watch is live again", () -> live() == 2);
        await("both changes made while it was cut are heard", () -> changed.containsAll(List.of("leader",
                "members/node3")));
        String resumed = states.get(states.size() - 1);
        assertTrue(resumed.endsWith("from revision " + (before + 1)), "resumed where it stopped, not read again: "
                + resumed);
    }

    @Test
    void aRevisionCompactedAwayWhileCutIsReadAgain() {
        etcd.put(PREFIX + "leader", "node1");
        await("the leader key is heard", () -> changed.contains("leader"));
        changed.clear();

        partition();
        etcd.put(PREFIX + "leader", "node3");
        long last = etcd.put(PREFIX + "failover", "{\"leader\":\"node3\",\"member\":\"node1\"}");
        etcd.compact(last);
        proxy.refuseNew(false);

        // etcd says the watch from before `last` is created, then that it was compacted: no event of
        // those two writes can come. Hearing them means the watch read the keys again.
        await("the leader change is heard", () -> changed.contains("leader"));
        await("the failover key is heard", () -> failover.stream().anyMatch(Optional::isPresent));
        assertEquals(Optional.of("node3"), failover.get(failover.size() - 1).flatMap(PendingSwitchover::leader));
    }

    private void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + GENEROUS + ": " + what + "; states " + states + ", changed "
                        + changed + ", failover " + failover);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
