package io.pgrudder.patroni;

import java.util.Objects;
import java.util.Optional;

import io.pgrudder.core.topology.PollResult;

/**
 * What one poll round learned about one configured member: its {@code /cluster} view and its
 * own {@code /patroni} status, each with how its request went. A view or status is present
 * exactly when its result is OK.
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
        if (cluster.isPresent() != clusterResult.ok() || node.isPresent() != nodeResult.ok()) {
            throw new IllegalArgumentException("an answer is present exactly when its poll is OK");
        }
    }

    public static MemberPoll of(MemberAddress address, ClusterView cluster, NodeStatus node) {
        return new MemberPoll(address, PollResult.OK, Optional.of(cluster), PollResult.OK, Optional.of(node));
    }

    /** The member's overall poll result: OK when both requests were, else the first failure. */
    public PollResult result() {
        if (!nodeResult.ok()) {
            return nodeResult;
        }
        return clusterResult;
    }
}
