package io.pgrudder.patroni;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pgrudder.core.topology.PollResult;

/**
 * The cluster as Patroni's keys in etcd say it, in the shape {@link TopologyDecider} reads: what
 * {@code GET /cluster} would answer, built from the same keys the way Patroni builds it
 * (patroni/utils.py {@code cluster_as_json}): a member per {@code members/<name>} key; role
 * {@code leader} (or {@code standby_leader} in a standby cluster) for the {@code leader} key's
 * holder, {@code sync_standby} for those the {@code sync} key lists, else {@code replica}; its
 * state, timeline, tags and addresses from its key; a replica's lag as the leader's last WAL
 * position ({@code status}'s {@code optime}, or {@code optime/leader}) less its
 * {@code xlog_location}, 0 when ahead, {@code unknown} without one; {@code pause} from
 * {@code config}. Pure: no clock, no network.
 */
final class DcsClusterView {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The view, the leader key's holder, and that holder's member key's own role and state
     * (Patroni's words, {@code master}/{@code primary}, {@code replica}; empty without its key):
     * what the leader's fence follows.
     */
    record View(ClusterView cluster, Optional<String> holder, Optional<String> holderRoleState) {
    }

    private DcsClusterView() {
    }

    static View of(DcsState state, String scope) {
        Optional<String> holder = state.value(DcsKeys.LEADER).map(String::strip).filter(s -> !s.isEmpty());
        JsonNode config = object(state.value(DcsKeys.CONFIG));
        boolean paused = PatroniJson.truthy(config.get("pause"));
        boolean standbyCluster = standbyCluster(config.path("standby_cluster"));
        JsonNode sync = object(state.value(DcsKeys.SYNC));
        List<String> syncStandbys = new ArrayList<>();
        if (!sync.path("leader").asText("").isEmpty()) {
            for (String s : sync.path("sync_standby").asText("").split(",")) {
                if (!s.strip().isEmpty()) {
                    syncStandbys.add(s.strip());
                }
            }
        }
        long clusterLsn = clusterLsn(state);
        List<ClusterView.Entry> entries = new ArrayList<>();
        Optional<String> holderRoleState = Optional.empty();
        for (Map.Entry<String, String> key : state.values().entrySet()) {
            if (!key.getKey().startsWith(DcsKeys.MEMBERS)) {
                continue;
            }
            String name = key.getKey().substring(DcsKeys.MEMBERS.length());
            JsonNode m = object(Optional.of(key.getValue()));
            boolean leads = holder.map(name::equals).orElse(false);
            String role = leads ? (standbyCluster ? "standby_leader" : "leader")
                    : syncStandbys.contains(name) ? "sync_standby" : "replica";
            String memberState = m.path("state").asText("");
            if (leads) {
                holderRoleState = Optional.of(m.path("role").asText("") + "/" + memberState);
            }
            Optional<URI> conn = uri(m.path("conn_url").asText(""));
            Optional<Long> lag = Optional.empty();
            if (!leads && m.path("xlog_location").isIntegralNumber()) {
                long lsn = m.path("xlog_location").asLong();
                lag = Optional.of(clusterLsn >= lsn ? clusterLsn - lsn : 0);
            }
            JsonNode tags = m.path("tags");
            entries.add(new ClusterView.Entry(name, role, memberState,
                    conn.map(URI::getHost).filter(h -> !h.isEmpty()),
                    conn.map(u -> u.getPort() > 0 ? u.getPort() : 5432),
                    uri(m.path("api_url").asText("")).map(URI::getHost),
                    m.path("timeline").asLong(0), lag,
                    PatroniJson.truthy(tags.get("noloadbalance")), PatroniJson.truthy(tags.get("nofailover"))));
        }
        entries.sort(Comparator.comparing(ClusterView.Entry::name));
        return new View(new ClusterView(Optional.of(scope), paused, entries), holder, holderRoleState);
    }

    /**
     * One {@link MemberPoll} per configured member, all with the DCS's view: a member without a
     * key in etcd has no view (its poll failed: Patroni on it has not written its key within its
     * TTL); only the leader's own {@code /patroni} answer, when there is one, is a status.
     */
    static List<MemberPoll> polls(View view, List<MemberAddress> members, Optional<LeaderFence.Answer> leader) {
        List<MemberPoll> polls = new ArrayList<>();
        for (MemberAddress address : members) {
            boolean keyed = view.cluster().members().stream().anyMatch(e -> e.matches(address));
            if (!keyed) {
                polls.add(MemberPoll.failed(address, PollResult.badResponse("no members/ key in etcd names it")));
            } else if (leader.isPresent() && leader.get().target().address().equals(address)) {
                polls.add(new MemberPoll(address, PollResult.OK, Optional.of(view.cluster()),
                        leader.get().status().result(), leader.get().status().node()));
            } else {
                polls.add(new MemberPoll(address, PollResult.OK, Optional.of(view.cluster()), PollResult.OK,
                        Optional.empty()));
            }
        }
        return polls;
    }

    /** The configured member the leader key's holder is, when its key says it runs and names its address. */
    static Optional<LeaderFence.Target> leaderTarget(View view, List<MemberAddress> members) {
        return view.cluster().runningLeader().flatMap(e -> members.stream().filter(e::matches).findFirst()
                .map(a -> new LeaderFence.Target(e.name(), a)));
    }

    private static long clusterLsn(DcsState state) {
        JsonNode status = object(state.value(DcsKeys.STATUS));
        if (status.path("optime").canConvertToLong()) {
            return status.path("optime").asLong();
        }
        try {
            return state.value(DcsKeys.OPTIME_LEADER).map(String::strip).map(Long::parseLong).orElse(0L);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** patroni/utils.py {@code is_standby_cluster}: a standby_cluster section with a host, port or restore_command. */
    private static boolean standbyCluster(JsonNode section) {
        return section.isObject() && (section.path("host").asText("").length() > 0
                || section.path("port").asText("").length() > 0
                || section.path("restore_command").asText("").length() > 0);
    }

    private static JsonNode object(Optional<String> value) {
        if (value.isEmpty()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(value.get());
            return node != null && node.isObject() ? node : JSON.createObjectNode();
        } catch (JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }

    private static Optional<URI> uri(String text) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI u = URI.create(text);
            return u.getHost() == null ? Optional.empty() : Optional.of(u);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
