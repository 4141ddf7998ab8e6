package io.pgrudder.patroni;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Topology;

/**
 * The log lines for one published change: leader, its hold for a pending switchover, pause, each member's role/state and whether
 * its API answers. Lag alone is a change worth publishing but not worth a log line.
 */
final class TopologyChanges {

    private TopologyChanges() {
    }

    static List<String> describe(Topology before, Topology after, Optional<String> noLeaderReason) {
        List<String> lines = new ArrayList<>();
        String cluster = "cluster " + after.clusterName() + ": ";
        if (!before.leaderName().equals(after.leaderName()) || before.generation() == 0) {
            StringBuilder line = new StringBuilder(cluster).append("leader ")
                    .append(before.leaderName().orElse("(none)")).append(" -> ")
                    .append(after.leaderName().orElse("(none)"));
            if (after.leader().isPresent()) {
                line.append(" at ").append(after.leader().get().address());
            }
            line.append(" (timeline ").append(before.timeline()).append(" -> ").append(after.timeline()).append(')');
            if (after.leaderName().isEmpty()) {
                noLeaderReason.ifPresent(r -> line.append(": ").append(r));
            }
            lines.add(line.toString());
        }
        if (before.leaderHeld() != after.leaderHeld() && after.leaderName().isPresent()) {
            lines.add(cluster + "leader " + after.leaderName().get() + (after.leaderHeld()
                    ? " held: a switchover away from it is pending; new transactions wait for the next leader"
                    : " no longer held: the switchover was cancelled or did not happen; new transactions start on it"));
        }
        if (before.paused() != after.paused()) {
            lines.add(cluster + (after.paused() ? "paused (maintenance mode)" : "resumed"));
        }
        for (Member now : after.members()) {
            Optional<Member> was = before.members().stream()
                    .filter(m -> m.host().equals(now.host()) && m.port() == now.port()).findFirst();
            String roleState = roleState(now);
            if (was.isEmpty()) {
                lines.add(cluster + now.name() + " at " + now.address() + " is " + roleState
                        + (now.lastPoll().ok() ? "" : ", API " + now.lastPoll()));
                continue;
            }
            if (!roleState(was.get()).equals(roleState) || !was.get().name().equals(now.name())) {
                lines.add(cluster + now.name() + " " + roleState(was.get()) + " -> " + roleState);
            }
            if (was.get().lastPoll().kind() != now.lastPoll().kind()) {
                lines.add(cluster + now.name() + " API " + (now.lastPoll().ok() ? "answers again" : now.lastPoll()));
            }
        }
        return lines;
    }

    private static String roleState(Member m) {
        return m.role().name().toLowerCase(java.util.Locale.ROOT) + "/" + m.state()
                + (m.noLoadBalance() ? " noloadbalance" : "");
    }
}
