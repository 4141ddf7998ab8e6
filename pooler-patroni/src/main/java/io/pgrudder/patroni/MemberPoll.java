package io.pgrudder.patroni;

import java.util.Objects;
import java.util.Optional;

import io.pgrudder.core.topology.PollResult;

/**
 * What one poll round learned about one configured member: its {@code /cluster} view and its
 * own {@code /patroni} status, each with how its request went. A view is present exactly when
 * its result is OK; a status only when its result is OK. An OK result without a status is a
 * member whose {@code /patroni} was not asked: while the etcd watch is live only the leader is
 * ({@link DcsClusterView}), and the view is the DCS's own.
 */
public record MemberPoll(
        MemberAddress address,
        PollResult clusterResult,
        Optional<ClusterView> cluster,
        PollResult nodeResult,
        Optional<NodeStatus> node) {

    public MemberPoll {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(clusterResult, "clusterResult");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(nodeResult, "nodeResult");
        Objects.requireNonNull(node, "node");
        if (cluster.isPresent() != clusterResult.ok() || (node.isPresent() && !nodeResult.ok())) {
            throw new IllegalArgumentException("a view is present exactly when its poll is OK, a status only then");
        }
    }

    public static MemberPoll of(MemberAddress address, ClusterView cluster, NodeStatus node) {
        return new MemberPoll(address, PollResult.OK, Optional.of(cluster), PollResult.OK, Optional.of(node));
    }

    /** One REST round's answers for {@code member}: {@code /cluster} and {@code /patroni}, each parsed if it came. */
    static MemberPoll parse(MemberAddress member, HttpOutcome cluster, HttpOutcome node) {
        PollResult clusterResult = cluster.result();
        Optional<ClusterView> view = Optional.empty();
        if (clusterResult.ok()) {
            try {
                view = Optional.of(PatroniJson.parseCluster(cluster.body()));
            } catch (PatroniJsonException e) {
                clusterResult = PollResult.badResponse("/cluster " + e.getMessage());
            }
        }
        Status status = status(node);
        return new MemberPoll(member, clusterResult, view, status.result(), status.node());
    }

    static MemberPoll failed(MemberAddress member, PollResult result) {
        return new MemberPoll(member, result, Optional.empty(), result, Optional.empty());
    }

    /** A {@code /patroni} answer, parsed when it came: present exactly when the result is OK. */
    record Status(PollResult result, Optional<NodeStatus> node) {
    }

    static Status status(HttpOutcome node) {
        if (!node.result().ok()) {
            return new Status(node.result(), Optional.empty());
        }
        try {
            return new Status(PollResult.OK, Optional.of(PatroniJson.parseNodeStatus(node.body())));
        } catch (PatroniJsonException e) {
            return new Status(PollResult.badResponse("/patroni " + e.getMessage()), Optional.empty());
        }
    }

    /** The member's overall poll result: OK when both requests were, else the first failure. */
    public PollResult result() {
        if (!nodeResult.ok()) {
            return nodeResult;
        }
        return clusterResult;
    }
}
