package io.pgrudder.patroni.dcsscale;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pgrudder.patroni.testing.PatroniCluster;

/**
 * bench/dcs-scale: N pooler instances (N = 2, 20, 200 by default) in one JVM follow one real
 * three-node Patroni cluster ({@link PatroniCluster}), each a real {@code PatroniPoller}, in two
 * configurations: REST only ({@code patroni_poll_interval = 250}) and REST + etcd watch (the same
 * and {@code patroni_etcd_hosts}: while the watch is live no REST round at all, only the leader's
 * own {@code /patroni} when the DCS names a leader anew). For each (N, configuration) it measures a steady
 * window (requests per second on each REST API and on etcd) and then one switchover (for each
 * instance, from the {@code leader} key naming the new leader to its topology naming it).
 *
 * <p>A benchmark, not a test: it asserts nothing, and neither surefire ({@code *Test}) nor
 * failsafe ({@code *IT}) picks it up; {@code bench/dcs-scale/run} runs it. System properties:
 * {@code dcsscale.n} (2,20,200), {@code dcsscale.configs} (rest,watch), {@code dcsscale.window}
 * (seconds, 20), {@code dcsscale.threads} (event loop threads shared by all pollers, 2),
 * {@code dcsscale.out} (the markdown table, dcs-scale.md).
 */
public final class DcsScaleSimulation {

    private static final Logger log = LoggerFactory.getLogger(DcsScaleSimulation.class);
    static final int POLL_INTERVAL_MS = 250;
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration OBSERVE = Duration.ofSeconds(30);
    private static final Duration MEMBER_KEY_WAIT = Duration.ofSeconds(15);

    private DcsScaleSimulation() {
    }

    /** One (N, configuration) of the run. */
    /** @param leaderLosses topologies without a leader the instances published during the steady window */
    record Trial(int n, String config, Steady steady, long leaderLosses, Optional<Switchover> switchover,
            String note) {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> ns = new ArrayList<>();
        for (String n : System.getProperty("dcsscale.n", "2,20,200").split(",")) {
            ns.add(Integer.parseInt(n.trim()));
        }
        List<String> configs = List.of(System.getProperty("dcsscale.configs", "rest,watch").split(","));
        Duration window = Duration.ofSeconds(Long.getLong("dcsscale.window", 20));
        int threads = Integer.getInteger("dcsscale.threads", 2);
        Path out = Path.of(System.getProperty("dcsscale.out", "dcs-scale.md"));

        List<Trial> trials = new ArrayList<>();
        Steady baseline;
        Map<String, Integer> backlogs = new LinkedHashMap<>();
        try (PatroniCluster cluster = PatroniCluster.start()) {
            Host host = Host.of(cluster);
            for (String node : PatroniCluster.nodes()) {
                HostCounters.listenBacklog(PatroniCluster.host(node), PatroniCluster.API_PORT)
                        .ifPresent(b -> backlogs.put(node, b));
            }
            log.info("baseline: {} s with no pooler at all (Patroni's own etcd and REST traffic)", window.toSeconds());
            Snapshot a = host.snapshot(null);
            Thread.sleep(window.toMillis());
            baseline = Steady.between(a, host.snapshot(null), false);
            for (int n : ns) {
                for (String config : configs) {
                    trials.add(trial(cluster, host, n, config.trim(), window, threads));
                    write(out, baseline, trials, backlogs, window);
                }
            }
        }
        String table = write(out, baseline, trials, backlogs, window);
        System.out.println(table);
    }

    private static String write(Path out, Steady baseline, List<Trial> trials, Map<String, Integer> backlogs,
            Duration window) throws Exception {
        String table = ResultTable.markdown(baseline, trials, backlogs, window);
        Files.writeString(out, table);
        return table;
    }

    private static Trial trial(PatroniCluster cluster, Host host, int n, String config, Duration window, int threads)
            throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(120));
        String leader = cluster.awaitLeader(Duration.ofSeconds(60));
        boolean watch = config.equals("watch");
        log.info("N={} {}: starting {} pollers (leader {})", n, config, n, leader);
        try (Fleet fleet = new Fleet(n, toml(watch), threads)) {
            // Spread the starts over one REST interval, as independent instances would be.
            Duration spread = watch ? Duration.ofSeconds(10) : Duration.ofMillis(POLL_INTERVAL_MS);
            fleet.start(spread);
            String note = awaitReady(fleet, leader);
            fleet.countLeaderLosses();
            Snapshot a = host.snapshot(fleet);
            Thread.sleep(window.toMillis());
            Snapshot b = host.snapshot(fleet);
            Steady steady = Steady.between(a, b, watch);
            long steadyLosses = fleet.leaderLosses();
            log.info("N={} {}: steady window {}", n, config, steady);

            Optional<Switchover> switchover = Optional.empty();
            String candidate = PatroniCluster.nodes().get((PatroniCluster.nodes().indexOf(leader) + 1) % 3);
            try (ClusterKeysWatch keys = ClusterKeysWatch.start(PatroniCluster.etcdEndpoint(),
                    PatroniCluster.NAMESPACE + PatroniCluster.SCOPE + "/")) {
                fleet.expect(candidate);
                long onRequest = fleet.roundsOnRequest();
                long onSchedule = fleet.roundsOnSchedule();
                long checks = fleet.leaderChecks();
                long requested = System.nanoTime();
                cluster.switchover(candidate);
                boolean all = fleet.awaitAllSeen(OBSERVE);
                // The candidate's member key says primary at Patroni's next loop, perhaps after every instance
                // named it already (its own /patroni says so first): wait for it, to time from it too.
                Instant keyDeadline = Instant.now().plus(MEMBER_KEY_WAIT);
                while (keys.promoted(candidate) == 0 && Instant.now().isBefore(keyDeadline)) {
                    Thread.sleep(20);
                }
                switchover = Optional.of(Switchover.of(leader, candidate, requested, keys.leaderNamed(candidate),
                        keys.promoted(candidate), fleet.firstSeenNanos(), fleet.roundsOnRequest() - onRequest,
                        fleet.roundsOnSchedule() - onSchedule, fleet.leaderChecks() - checks));
                log.info("N={} {}: switchover {} -> {}: all saw it: {}; key changes {}", n, config, leader,
                        candidate, all, keys.changes().stream()
                                .filter(c -> !c.name().startsWith("optime") && !c.name().equals("status")).toList());
            } catch (RuntimeException e) {
                log.error("N={} {}: switchover failed", n, config, e);
                note = (note.isEmpty() ? "" : note + "; ") + "switchover failed: " + e.getMessage();
            }
            return new Trial(n, config, steady, steadyLosses, switchover, note);
        }
    }

    /** Waits until every instance names {@code leader} and, with the watch, every watch is live. */
    private static String awaitReady(Fleet fleet, String leader) throws InterruptedException {
        fleet.expect(leader);
        boolean all = fleet.awaitAllSeen(READY);
        Instant deadline = Instant.now().plus(READY);
        while (fleet.watching() && fleet.watchesLive() < fleet.size() && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        String note = "";
        if (!all) {
            note = "only " + fleet.withLeader() + " of " + fleet.size() + " named the leader within " + READY;
        }
        if (fleet.watching() && fleet.watchesLive() < fleet.size()) {
            note += (note.isEmpty() ? "" : "; ") + "only " + fleet.watchesLive() + " watches live";
        }
        if (!note.isEmpty()) {
            log.warn("N={}: {}", fleet.size(), note);
        }
        return note;
    }

    /** The pgcat.toml of every instance: the bench's pool, following Patroni, with or without the watch. */
    static String toml(boolean watch) {
        StringBuilder servers = new StringBuilder();
        for (String node : PatroniCluster.nodes()) {
            servers.append(servers.length() == 0 ? "" : ", ")
                    .append("[\"").append(PatroniCluster.host(node)).append("\", ").append(PatroniCluster.PG_PORT)
                    .append(", \"replica\"]");
        }
        String etcd = !watch ? "" : "patroni_etcd_hosts = [\"" + PatroniCluster.etcdEndpoint() + "\"]\n"
                + "patroni_scope = \"" + PatroniCluster.SCOPE + "\"\n"
                + "patroni_namespace = \"" + PatroniCluster.NAMESPACE + "\"\n";
        return "[general]\n"
                + "host = \"127.0.0.1\"\n"
                + "port = 6432\n"
                + "admin_username = \"admin\"\n"
                + "admin_password = \"admin\"\n"
                + "use_patroni_api = true\n"
                + "patroni_api_port = " + PatroniCluster.API_PORT + "\n"
                + "patroni_poll_interval = " + POLL_INTERVAL_MS + "\n"
                + etcd
                + "\n[pools.app]\n"
                + "pool_mode = \"transaction\"\n"
                + "default_role = \"primary\"\n"
                + "\n[pools.app.users.0]\n"
                + "username = \"" + PatroniCluster.APP_USER + "\"\n"
                + "password = \"" + PatroniCluster.APP_PASSWORD + "\"\n"
                + "pool_size = 1\n"
                + "\n[pools.app.shards.0]\n"
                + "servers = [" + servers + "]\n"
                + "database = \"app\"\n";
    }

    /** Where the cluster's processes are, for {@link Snapshot#take}. */
    private record Host(Map<String, String> members, Map<String, Long> patroniPids, long etcdPid) {
        static Host of(PatroniCluster cluster) throws Exception {
            Map<String, String> members = new LinkedHashMap<>();
            Map<String, Long> pids = new LinkedHashMap<>();
            for (String node : PatroniCluster.nodes()) {
                members.put(node, PatroniCluster.host(node));
                pids.put(node, HostCounters.pidWith(cluster.baseDir().resolve(node).resolve("patroni.yml").toString()));
            }
            return new Host(members, pids, HostCounters.pidWith(cluster.baseDir().resolve("etcd").toString()));
        }

        Snapshot snapshot(Fleet fleet) throws Exception {
            return Snapshot.take(fleet, PatroniCluster.etcdEndpoint(), members, PatroniCluster.API_PORT, patroniPids,
                    etcdPid);
        }
    }
}
