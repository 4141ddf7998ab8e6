package io.pgrudder.patroni.dcsscale;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The run as markdown: a summary by N and configuration (the columns), then the steady
 * window's detail with its cross-checks, then the switchover's detail.
 */
final class ResultTable {

    private ResultTable() {
    }

    static String markdown(Steady baseline, List<DcsScaleSimulation.Trial> trials, Map<String, Integer> backlogs,
            Duration window) {
        StringBuilder s = new StringBuilder();
        s.append("Steady window ").append(window.toSeconds()).append(" s per row. REST only: patroni_poll_interval = ")
                .append(DcsScaleSimulation.POLL_INTERVAL_MS).append(" ms. REST + watch: the same and patroni_etcd_hosts")
                .append(" (while the watch is live: no REST round; one GET /patroni to the leader the DCS names anew, retried until it"
                        + " says primary; etcd probed every patroni_watch_poll_interval, 10 s). Patroni's REST API")
                .append(" listen backlog (ss Send-Q): ").append(backlogs).append(".\n\n");

        s.append("| N | config | REST req/s per member | etcd req/s (pollers) | from leader key p50 / p99 / max ms "
                + "| within 100 ms of it | from member key p50 / p99 / max ms | within 100 ms of it | missed |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        for (DcsScaleSimulation.Trial t : trials) {
            s.append("| ").append(t.n()).append(" | ").append(name(t)).append(" | ")
                    .append(f(Steady.mean(t.steady().restPerMember()))).append(" | ")
                    .append(f(t.steady().pollerEtcdPerSecond())).append(" | ");
            t.switchover().ifPresentOrElse(w -> s.append(quantiles(w.fromKeyMs())).append(" | ")
                            .append(w.withinOfKey(100)).append(" of ").append(t.n()).append(" | ")
                            .append(quantiles(w.fromPromotedMs())).append(" | ")
                            .append(w.fromPromotedMs().length == 0 ? "-" : w.withinOfPromoted(100) + " of " + t.n())
                            .append(" | ").append(w.missed()),
                    () -> s.append("- | - | - | - | -"));
            s.append(" |\n");
        }

        s.append("\nSteady window, with the cross-checks. *REST req/s*: the pollers' own per-member request counters"
                + " (two per round, one per leader check). *etcd req/s (pollers)*: their watches' own count (range reads,"
                + " probes included, new watch streams, logins). *closed/s*: connections to each member's :8008 that entered TIME_WAIT during the"
                + " window (the kernel's count). *etcd calls/s*: etcd's grpc_server_started_total (its v3 gateway calls"
                + " its own gRPC server, so every gateway request counts), less the baseline's. *listen overflows*:"
                + " TcpExt ListenOverflows, whole host. *leader lost*: topologies without a leader that instances"
                + " published during the window.\n\n");
        s.append("| N | config | REST req/s per member (pollers) | closed/s per member (kernel) | Patroni CPU % per member "
                + "| etcd req/s (pollers) | etcd calls/s (etcd, less baseline) | etcd Range/s | watch streams started "
                + "| watch msgs sent/s | etcd CPU % | pollers' JVM CPU % | listen overflows | leader lost | note |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        s.append("| 0 | baseline: no pooler | 0 | ").append(f(Steady.mean(baseline.closedPerMember()))).append(" | ")
                .append(f(Steady.mean(baseline.patroniCpuPercent()))).append(" | 0 | ")
                .append(f(baseline.etcdCallsPerSecond())).append(" (absolute) | ")
                .append(f(baseline.etcdRangePerSecond())).append(" | ").append(baseline.etcdWatchesStarted())
                .append(" | ").append(f(baseline.etcdWatchMessagesPerSecond())).append(" | ")
                .append(f(baseline.etcdCpuPercent())).append(" | - | ")
                .append(baseline.tcpDeltas().get("ListenOverflows")).append(" | - | Patroni's own traffic |\n");
        for (DcsScaleSimulation.Trial t : trials) {
            Steady st = t.steady();
            String watchNote = t.config().equals("watch") && st.watchesLiveAtEnd() < t.n()
                    ? "watches live at the end: " + st.watchesLiveAtEnd() + " of " + t.n() : "";
            String overflow = st.tcpDeltas().get("TCPTimeWaitOverflow") > 0
                    ? "TIME_WAIT table full (" + st.tcpDeltas().get("TCPTimeWaitOverflow") + "): closed/s undercounts" : "";
            String note = String.join("; ", List.of(t.note(), watchNote, overflow).stream()
                    .filter(x -> !x.isEmpty()).toList());
            s.append("| ").append(t.n()).append(" | ").append(name(t))
                    .append(" | ").append(f(Steady.mean(st.restPerMember())))
                    .append(" | ").append(f(Steady.mean(st.closedPerMember())))
                    .append(" | ").append(f(Steady.mean(st.patroniCpuPercent())))
                    .append(" | ").append(f(st.pollerEtcdPerSecond()))
                    .append(" | ").append(f(st.etcdCallsPerSecond() - baseline.etcdCallsPerSecond()))
                    .append(" | ").append(f(st.etcdRangePerSecond() - baseline.etcdRangePerSecond()))
                    .append(" | ").append(st.etcdWatchesStarted())
                    .append(" | ").append(f(st.etcdWatchMessagesPerSecond()))
                    .append(" | ").append(f(st.etcdCpuPercent()))
                    .append(" | ").append(f(st.jvmCpuPercent()))
                    .append(" | ").append(st.tcpDeltas().get("ListenOverflows"))
                    .append(" | ").append(t.leaderLosses())
                    .append(" | ").append(note.isEmpty() ? "-" : note).append(" |\n");
        }

        s.append("\nSwitchover (PatroniCluster.switchover, patronictl). Times as the simulation's own watch of the"
                + " cluster's keys received them: *leader key*, the value naming the new leader (ms after patronictl"
                + " was started); *member key*, the new leader's members/ key saying role master (ms after the leader"
                + " key; Patroni writes it at its next loop after the promotion, its own /patroni says so earlier,"
                + " so a delay from it can be negative; awaited up to 15 s after the last instance named the new leader)."
                + " Delays: from each of those to each instance's published topology naming"
                + " the new leader. *rounds*: REST rounds all instances started from the request until the last one"
                + " named the new leader and its member key came (or 30 s); *leader checks*: GET /patroni requests to the leader the DCS named, all"
                + " instances, in the same time.\n\n");
        s.append("| N | config | switchover | leader key (ms after request) | member key (ms after leader key) "
                + "| from leader key p50 / p99 / max ms | from member key p50 / p99 / max ms | within 100 ms of the leader key "
                + "| missed | rounds on request / on schedule | leader checks |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (DcsScaleSimulation.Trial t : trials) {
            s.append("| ").append(t.n()).append(" | ").append(name(t)).append(" | ");
            t.switchover().ifPresentOrElse(w -> s.append(w.from()).append("→").append(w.to())
                            .append(" | ").append(f(w.keyAfterRequestMs()))
                            .append(" | ").append(f(w.promotedAfterKeyMs()))
                            .append(" | ").append(quantiles(w.fromKeyMs()))
                            .append(" | ").append(quantiles(w.fromPromotedMs()))
                            .append(" | ").append(w.withinOfKey(100)).append(" of ").append(t.n())
                            .append(" | ").append(w.missed())
                            .append(" | ").append(w.roundsOnRequest()).append(" / ").append(w.roundsOnSchedule())
                            .append(" | ").append(w.leaderChecks()),
                    () -> s.append("failed | - | - | - | - | - | - | - | -"));
            s.append(" |\n");
        }
        return s.toString();
    }

    private static String quantiles(double[] sorted) {
        return f(Switchover.quantile(sorted, 0.5)) + " / " + f(Switchover.quantile(sorted, 0.99)) + " / "
                + f(Switchover.max(sorted));
    }

    private static String name(DcsScaleSimulation.Trial t) {
        return t.config().equals("watch") ? "REST + watch" : "REST only";
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, Math.abs(v) >= 100 || v == Math.rint(v) ? "%.0f" : "%.1f", v);
    }

    private static String f(OptionalDouble v) {
        return v.isPresent() ? f(v.getAsDouble()) : "-";
    }
}
