package io.pgrudder.patroni;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.pgrudder.core.topology.PollResult;

/**
 * Poll rounds made of captured Patroni answers under {@code src/test/resources/<dir>/}:
 * {@code cluster-nodeN.json} and {@code patroni-nodeN.json} for node1..node3 on
 * 127.0.0.11..13:5432. A missing file stands for a refused connection.
 */
final class Captured {

    static final List<MemberAddress> ADDRESSES = List.of(
            new MemberAddress("127.0.0.11", 5432),
            new MemberAddress("127.0.0.12", 5432),
            new MemberAddress("127.0.0.13", 5432));

    private Captured() {
    }

    static List<MemberPoll> round(String dir) {
        List<MemberPoll> polls = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            polls.add(poll(ADDRESSES.get(i - 1), read(dir + "/cluster-node" + i + ".json"),
                    read(dir + "/patroni-node" + i + ".json")));
        }
        return polls;
    }

    /** {@code round(dir)} with member {@code node} (1-based) replaced. */
    static List<MemberPoll> with(List<MemberPoll> round, int node, MemberPoll replacement) {
        List<MemberPoll> copy = new ArrayList<>(round);
        copy.set(node - 1, replacement);
        return copy;
    }

    static MemberPoll failed(int node, PollResult result) {
        return new MemberPoll(ADDRESSES.get(node - 1), result, Optional.empty(), result, Optional.empty());
    }

    /** What the poller makes of raw bodies: parsed, or a bad response. */
    static MemberPoll poll(MemberAddress address, Optional<String> clusterBody, Optional<String> nodeBody) {
        PollResult clusterResult = PollResult.refused("connection refused");
        Optional<ClusterView> cluster = Optional.empty();
        if (clusterBody.isPresent()) {
            try {
                cluster = Optional.of(PatroniJson.parseCluster(clusterBody.get()));
                clusterResult = PollResult.OK;
            } catch (PatroniJsonException e) {
                clusterResult = PollResult.badResponse(e.getMessage());
            }
        }
        PollResult nodeResult = PollResult.refused("connection refused");
        Optional<NodeStatus> node = Optional.empty();
        if (nodeBody.isPresent()) {
            try {
                node = Optional.of(PatroniJson.parseNodeStatus(nodeBody.get()));
                nodeResult = PollResult.OK;
            } catch (PatroniJsonException e) {
                nodeResult = PollResult.badResponse(e.getMessage());
            }
        }
        return new MemberPoll(address, clusterResult, cluster, nodeResult, node);
    }

    static Optional<String> read(String resource) {
        try (InputStream in = Captured.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
