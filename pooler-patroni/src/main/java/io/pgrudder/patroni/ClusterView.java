package io.pgrudder.patroni;

import java.util.List;
import java.util.Optional;

/**
 * One member's answer to {@code GET /cluster}: the cluster as that member just read it from the
 * DCS. Patroni 3.0 has no {@code scope} here; 4.x does.
 */
public record ClusterView(Optional<String> scope, boolean paused, List<Entry> members) {

    public ClusterView {
        members = List.copyOf(members);
    }

    /** The member holding the leader key with PostgreSQL running, if the view names one. */
    public Optional<Entry> runningLeader() {
        return members.stream().filter(e -> e.isLeaderRole() && e.isRunning()).findFirst();
    }

    /**
     * One element of {@code members}.
     *
     * @param role     {@code leader}, {@code standby_leader}, {@code sync_standby},
     *                 {@code quorum_standby}, {@code replica} (as Patroni wrote it)
     * @param host     from {@code postgresql.connect_address}; absent when that is not set
     * @param apiHost  the host of {@code api_url}, if any
     * @param timeline 0 when absent
     * @param lagBytes absent on the leader and for {@code "unknown"}
     */
    public record Entry(
            String name,
            String role,
            String state,
            Optional<String> host,
            Optional<Integer> port,
            Optional<String> apiHost,
            long timeline,
            Optional<Long> lagBytes,
            boolean noLoadBalance,
            boolean noFailover) {

        boolean isLeaderRole() {
            return "leader".equals(role);
        }

        boolean isRunning() {
            return "running".equals(state);
        }

        /** This entry is the configured member: same host and PostgreSQL port, or same API host. */
        boolean matches(MemberAddress address) {
            if (host.isPresent()) {
                return host.get().equalsIgnoreCase(address.host())
                        && port.map(p -> p == address.pgPort()).orElse(true);
            }
            return apiHost.map(h -> h.equalsIgnoreCase(address.host())).orElse(false);
        }
    }
}
