package io.pgrudder.patroni.dcsscale;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What happened between two {@link Snapshot}s of a steady window, as rates per second.
 *
 * @param seconds             the window's length, measured
 * @param restPerMember       REST requests per second on each member, from the pollers' own per-member
 *                            counters: two per round (GET /cluster and GET /patroni), one per leader check
 * @param closedPerMember     connections to each member's REST port closed per second, by the kernel's
 *                            TIME_WAIT entries (the cross-check; an undercount when {@code timeWaitOverflow} > 0)
 * @param patroniCpuPercent   each member's Patroni CPU time over the window, % of one core
 * @param pollerEtcdPerSecond etcd requests per second the pollers made by their own account: range reads
 *                            (the watch's probe every patroni_watch_poll_interval), new watch streams, logins
 * @param etcdCallsPerSecond  gRPC calls etcd started per second (its own count: pgrudder's and Patroni's)
 * @param etcdRangePerSecond  of which Range
 * @param etcdWatchesStarted  watch streams etcd started during the window
 * @param etcdWatchMessagesPerSecond messages etcd sent on watch streams per second
 * @param tcpDeltas           ListenOverflows, ListenDrops, TCPTimeWaitOverflow during the window (whole host)
 */
record Steady(
        double seconds,
        long roundsOnSchedule,
        long roundsOnRequest,
        Map<String, Double> restPerMember,
        Map<String, Double> closedPerMember,
        Map<String, Double> patroniCpuPercent,
        double pollerEtcdPerSecond,
        double etcdCallsPerSecond,
        double etcdRangePerSecond,
        long etcdWatchesStarted,
        double etcdWatchMessagesPerSecond,
        double etcdCpuPercent,
        double jvmCpuPercent,
        int watchesLiveAtStart,
        int watchesLiveAtEnd,
        Map<String, Long> tcpDeltas) {

    static Steady between(Snapshot a, Snapshot b, boolean watching) {
        double s = (b.nanos() - a.nanos()) / 1e9;
        long onSchedule = b.roundsOnSchedule() - a.roundsOnSchedule();
        long onRequest = b.roundsOnRequest() - a.roundsOnRequest();
        Map<String, Double> rest = new LinkedHashMap<>();
        Map<String, Double> closed = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String member : a.timeWaitByMember().keySet()) {
            rest.put(member, (b.restByMember().get(member) - a.restByMember().get(member)) / s);
            closed.put(member, HostCounters.added(a.timeWaitByMember().get(member), b.timeWaitByMember().get(member)) / s);
            cpu.put(member, 100 * (b.patroniCpuByMember().get(member) - a.patroniCpuByMember().get(member)) / s);
        }
        Map<String, Long> tcp = new LinkedHashMap<>();
        for (String name : Snapshot.tcpCountersOfInterest()) {
            tcp.put(name, b.tcpExt().getOrDefault(name, 0L) - a.tcpExt().getOrDefault(name, 0L));
        }
        return new Steady(s, onSchedule, onRequest, rest, closed, cpu,
                (b.etcdRequests() - a.etcdRequests()) / s,
                (b.etcd().callsStarted() - a.etcd().callsStarted()) / s,
                (b.etcd().rangeCalls() - a.etcd().rangeCalls()) / s,
                Math.round(b.etcd().watchStreamsStarted() - a.etcd().watchStreamsStarted()),
                (b.etcd().watchMessagesSent() - a.etcd().watchMessagesSent()) / s,
                100 * (b.etcdCpu() - a.etcdCpu()) / s,
                100 * (b.jvmCpu() - a.jvmCpu()) / s,
                a.watchesLive(), b.watchesLive(), tcp);
    }

    static double mean(Map<String, Double> perMember) {
        return perMember.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
