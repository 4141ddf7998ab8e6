package io.pgrudder.patroni;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;

/**
 * Decides who leads from one poll round, as a pure function (no clock, no network).
 *
 * <p>Rules:
 * <ol>
 *   <li>Every member's {@code /cluster} answer that parsed is one view. The leader candidate is
 *       the member that more than half of the views name with role {@code leader} and state
 *       {@code running}; one view is enough when it is the only one. A view naming no running
 *       leader votes for nobody. A member that is down or answers garbage has no view and no
 *       vote, so it cannot move the leader.</li>
 *   <li>The candidate must be confirmed by its own {@code /patroni}: role {@code master}
 *       (Patroni 3.x) or {@code primary} (4.x) and state {@code running}. If its answer
 *       disagrees, there is no leader. If its own API timed out (a slow or frozen Patroni), the
 *       candidate stays leader only if it already was in {@code previous}: the DCS still says
 *       it holds the lock, and one slow answer must not flush the pool. A refused or closed
 *       connection means Patroni itself is gone: no leader, writes wait for the election.</li>
 *   <li>Any other member whose own {@code /patroni} claims to be a running primary means two
 *       primaries: no leader until that is resolved.</li>
 *   <li>{@code standby_leader} never takes writes.</li>
 *   <li>A switchover away from the leader that Patroni has been asked for and that is due holds
 *       the leader: it still leads, but no new transaction starts on it.</li>
 * </ol>
 * Member details (role, state, lag, tags) come from the candidate's view when it has one, else
 * from the first view (in configuration order) that lists the member; a member no view lists
 * has role UNKNOWN, its own {@code /patroni} state, and the name it had before (else
 * {@code host:port}). A member's timeline is the larger of the
 * view's and its own: right after a promotion the DCS still shows the old one.
 */
public final class TopologyDecider {

    /** The decided topology, and why there is no leader when there is none. */
    public record Decision(Topology topology, Optional<String> noLeaderReason) {
    }

    private TopologyDecider() {
    }

    /**
     * @param fallbackName the cluster's name until an answer carries Patroni's {@code scope}
     * @param polls        one entry per configured member, in configuration order
     * @param previous     the last published topology; returned as is when nothing relevant
     *                     changed, so identity tells a caller whether to publish
     * @param now          stamps {@code leaderSince} when the leader changes
     */
    public static Decision decide(String fallbackName, List<MemberPoll> polls, Topology previous, Instant now) {
        return decide(fallbackName, polls, previous, Optional.empty(), now);
    }

    /**
     * As {@link #decide(String, List, Topology, Instant)}, with the switchover Patroni's
     * {@code failover} key asks for: when it moves away from the decided leader and is due at
     * {@code now}, the leader is held ({@link Topology#leaderHeld()}).
     */
    public static Decision decide(String fallbackName, List<MemberPoll> polls, Topology previous,
            Optional<PendingSwitchover> pending, Instant now) {
        List<ClusterView> views = polls.stream().flatMap(p -> p.cluster().stream()).collect(Collectors.toList());

        Optional<String> candidate = majorityLeader(views);
        Optional<MemberPoll> candidatePoll = candidate.flatMap(name -> pollOf(name, polls, views));

        List<ClusterView> preferred = new ArrayList<>();
        candidatePoll.flatMap(MemberPoll::cluster).ifPresent(preferred::add);
        views.stream().filter(v -> !preferred.contains(v)).forEach(preferred::add);

        List<Member> members = new ArrayList<>();
        Map<MemberPoll, String> names = new LinkedHashMap<>();
        for (MemberPoll poll : polls) {
            Member member = member(poll, preferred, previous);
            members.add(member);
            names.put(poll, member.name());
        }

        Optional<String> noLeaderReason = Optional.empty();
        Optional<String> leader = Optional.empty();
        List<String> claimants = polls.stream()
                .filter(p -> p.node().map(NodeStatus::isRunningPrimary).orElse(false))
                .map(names::get)
                .collect(Collectors.toList());
        if (views.isEmpty()) {
            noLeaderReason = Optional.of("no member answered GET /cluster");
        } else if (candidate.isEmpty()) {
            noLeaderReason = Optional.of(views.stream().anyMatch(v -> v.runningLeader().isPresent())
                    ? "cluster views disagree on the leader" : "no running leader in the cluster view");
        } else if (candidatePoll.isEmpty()) {
            noLeaderReason = Optional.of("leader " + candidate.get() + " is not among the configured servers");
        } else if (claimants.size() > 1) {
            noLeaderReason = Optional.of("more than one primary: " + String.join(", ", claimants));
        } else if (claimants.size() == 1 && !claimants.get(0).equals(candidate.get())) {
            noLeaderReason = Optional.of("cluster view names " + candidate.get() + " but "
                    + claimants.get(0) + " runs as primary");
        } else {
            MemberPoll own = candidatePoll.get();
            if (own.node().isPresent()) {
                NodeStatus status = own.node().get();
                if (status.isRunningPrimary()) {
                    leader = candidate;
                } else {
                    noLeaderReason = Optional.of(candidate.get() + "'s own /patroni says role " + status.role()
                            + ", state " + status.state());
                }
            } else if (previous.leaderName().equals(candidate)
                    && own.nodeResult().kind() == PollResult.Kind.TIMEOUT) {
                leader = candidate;
            } else {
                noLeaderReason = Optional.of(candidate.get() + " is not confirmed by its own /patroni: "
                        + own.nodeResult());
            }
        }

        long timeline = leader.flatMap(name -> members.stream().filter(m -> m.name().equals(name)).findFirst())
                .map(Member::timeline)
                .orElse(members.stream().mapToLong(Member::timeline).max().orElse(0));
        String scope = views.stream().flatMap(v -> v.scope().stream()).findFirst()
                .or(() -> polls.stream().flatMap(p -> p.node().stream()).flatMap(n -> n.scope().stream()).findFirst())
                .orElse(fallbackName);
        boolean paused = views.stream().anyMatch(ClusterView::paused)
                || polls.stream().flatMap(p -> p.node().stream()).anyMatch(NodeStatus::paused);

        Topology next = new Topology(scope, members, leader, now, timeline, paused, 0, holds(leader, pending, now));
        Topology published = next.sameStateAs(previous) ? previous : next.succeeding(previous, now);
        return new Decision(published, leader.isPresent() ? Optional.empty() : noLeaderReason);
    }

    /**
     * The same topology with its leader held or not for {@code pending} at {@code now}: {@code previous}
     * itself when that does not change, else its successor.
     */
    public static Topology reconsiderHold(Topology previous, Optional<PendingSwitchover> pending, Instant now) {
        Topology next = previous.withLeaderHeld(holds(previous.leaderName(), pending, now));
        return next == previous ? previous : next.succeeding(previous, now);
    }

    private static boolean holds(Optional<String> leader, Optional<PendingSwitchover> pending, Instant now) {
        return leader.isPresent() && pending.map(p -> p.movesAwayFrom(leader.get()) && p.dueAt(now)).orElse(false);
    }

    private static Optional<String> majorityLeader(List<ClusterView> views) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (ClusterView view : views) {
            view.runningLeader().ifPresent(e -> votes.merge(e.name(), 1, Integer::sum));
        }
        return votes.entrySet().stream()
                .filter(e -> e.getValue() * 2 > views.size())
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /** The configured member a view calls {@code name}. */
    private static Optional<MemberPoll> pollOf(String name, List<MemberPoll> polls, List<ClusterView> views) {
        for (MemberPoll poll : polls) {
            if (poll.node().flatMap(NodeStatus::name).map(name::equals).orElse(false)) {
                return Optional.of(poll);
            }
            for (ClusterView view : views) {
                for (ClusterView.Entry entry : view.members()) {
                    if (entry.name().equals(name) && entry.matches(poll.address())) {
                        return Optional.of(poll);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Member member(MemberPoll poll, List<ClusterView> preferred, Topology previous) {
        MemberAddress address = poll.address();
        Optional<NodeStatus> node = poll.node();
        Optional<ClusterView.Entry> entry = preferred.stream()
                .flatMap(v -> v.members().stream())
                .filter(e -> node.flatMap(NodeStatus::name).map(n -> n.equals(e.name())).orElse(e.matches(address)))
                .findFirst();
        if (entry.isPresent()) {
            ClusterView.Entry e = entry.get();
            return new Member(e.name(), address.host(), address.pgPort(), role(e.role()), e.state(),
                    e.lagBytes().map(OptionalLong::of).orElse(OptionalLong.empty()),
                    Math.max(e.timeline(), node.map(NodeStatus::timeline).orElse(0L)),
                    e.noLoadBalance(), e.noFailover(), poll.result());
        }
        return new Member(
                node.flatMap(NodeStatus::name)
                        .or(() -> previous.members().stream()
                                .filter(m -> m.host().equals(address.host()) && m.port() == address.pgPort())
                                .map(Member::name).findFirst())
                        .orElse(address.toString()),
                address.host(), address.pgPort(), MemberRole.UNKNOWN,
                node.map(NodeStatus::state).orElse(Member.STATE_UNKNOWN),
                OptionalLong.empty(),
                node.map(NodeStatus::timeline).orElse(0L),
                node.map(NodeStatus::noLoadBalance).orElse(false),
                node.map(NodeStatus::noFailover).orElse(false),
                poll.result());
    }

    static MemberRole role(String patroniRole) {
        switch (patroniRole) {
            case "leader":
            case "master":
            case "primary":
                return MemberRole.LEADER;
            case "standby_leader":
                return MemberRole.STANDBY_LEADER;
            case "sync_standby":
                return MemberRole.SYNC_STANDBY;
            case "quorum_standby":
                return MemberRole.QUORUM_STANDBY;
            case "replica":
                return MemberRole.REPLICA;
            default:
                return MemberRole.UNKNOWN;
        }
    }
}
