package io.pgrudder.patroni.dcsscale;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every counter the steady window is measured by, read at one instant: the pollers' own round
 * and request counters (REST per member, etcd), etcd's own metrics, the kernel's TIME_WAIT connections to each REST API and its TCP
 * counters, and the CPU time of each Patroni, of etcd and of this JVM (the pollers).
 */
record Snapshot(
        long nanos,
        long roundsOnSchedule,
        long roundsOnRequest,
        Map<String, Long> restByMember,
        long etcdRequests,
        int watchesLive,
        EtcdMetrics etcd,
        Map<String, Set<String>> timeWaitByMember,
        Map<String, Long> tcpExt,
        Map<String, Double> patroniCpuByMember,
        double etcdCpu,
        double jvmCpu) {

    /**
     * @param fleet       null for the baseline (no pgrudder at all)
     * @param members     member name to its REST API host
     * @param patroniPids member name to its Patroni's PID
     */
    static Snapshot take(Fleet fleet, String etcdEndpoint, Map<String, String> members, int apiPort,
            Map<String, Long> patroniPids, long etcdPid) throws Exception {
        Map<String, Set<String>> timeWait = new LinkedHashMap<>();
        Map<String, Long> rest = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : members.entrySet()) {
            timeWait.put(m.getKey(), HostCounters.timeWait(m.getValue(), apiPort));
            cpu.put(m.getKey(), HostCounters.cpuSeconds(patroniPids.get(m.getKey())));
            rest.put(m.getKey(), fleet == null ? 0 : fleet.restRequests(m.getValue()));
        }
        double jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        return new Snapshot(System.nanoTime(),
                fleet == null ? 0 : fleet.roundsOnSchedule(),
                fleet == null ? 0 : fleet.roundsOnRequest(),
                rest,
                fleet == null ? 0 : fleet.etcdRequests(),
                fleet == null ? 0 : fleet.watchesLive(),
                EtcdMetrics.read(etcdEndpoint), timeWait, HostCounters.tcpExt(), cpu,
                HostCounters.cpuSeconds(etcdPid), jvm);
    }

    static List<String> tcpCountersOfInterest() {
        return List.of("ListenOverflows", "ListenDrops", "TCPTimeWaitOverflow");
    }
}
