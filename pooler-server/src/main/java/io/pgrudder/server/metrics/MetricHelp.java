package io.pgrudder.server.metrics;

import java.util.Map;

/**
 * The HELP text of every family the exporter builds from a snapshot (pgcat's names, and ours).
 * pgcat printed the metric's own name as its HELP; these say what is counted, in which unit and
 * since when. A family without an entry is a programming error, caught by PrometheusMetricsTest.
 */
final class MetricHelp {
    private static final String SINCE = " since pgrudder started, by the clients of this pool and user on this server";
    private static final String PERIOD = " over the last 15-second period";
    private static final Map<String, String> HELP = Map.ofEntries(
            Map.entry("pgcat_pools_maxwait_us", "microseconds part of the longest current wait for a server connection "
                    + "(add pgcat_pools_maxwait seconds)"),
            Map.entry("pgcat_pools_maxwait", "whole seconds of the longest current wait of a client of this pool for a "
                    + "server connection"),
            Map.entry("pgcat_pools_cl_waiting", "clients waiting for a server connection now"),
            Map.entry("pgcat_pools_cl_active", "clients holding a server connection now"),
            Map.entry("pgcat_pools_cl_idle", "clients connected and between transactions now"),
            Map.entry("pgcat_pools_sv_idle", "server connections idle in the pool now"),
            Map.entry("pgcat_pools_sv_active", "server connections held by a client now"),
            Map.entry("pgcat_pools_sv_login", "server connections being opened (connect, TLS, login) now"),
            Map.entry("pgcat_pools_sv_tested", "server connections being reset or health-checked now"),
            Map.entry("pgrudder_pinned_clients", "transaction-mode clients that keep their server connection between "
                    + "transactions because of session state, by what pins them"),
            Map.entry("pgcat_stats_total_query_count", "requests (Query, Sync, FunctionCall) answered" + SINCE),
            Map.entry("pgcat_stats_total_query_time", "microseconds from request to ReadyForQuery, summed" + SINCE),
            Map.entry("pgcat_stats_total_received", "bytes pgrudder received from PostgreSQL" + SINCE),
            Map.entry("pgcat_stats_total_sent", "bytes pgrudder sent to PostgreSQL" + SINCE),
            Map.entry("pgcat_stats_total_xact_count", "transactions completed" + SINCE),
            Map.entry("pgcat_stats_total_xact_time", "microseconds spent in transactions, summed" + SINCE),
            Map.entry("pgcat_stats_total_wait_time", "microseconds clients waited for a connection to this server, "
                    + "summed" + SINCE),
            Map.entry("pgcat_stats_avg_query_count", "requests per second" + PERIOD),
            Map.entry("pgcat_stats_avg_query_time", "mean microseconds per request" + PERIOD),
            Map.entry("pgcat_stats_avg_recv", "bytes per second received from PostgreSQL" + PERIOD),
            Map.entry("pgcat_stats_avg_sent", "bytes per second sent to PostgreSQL" + PERIOD),
            Map.entry("pgcat_stats_avg_errors", "ErrorResponses per second" + PERIOD),
            Map.entry("pgcat_stats_avg_xact_count", "transactions per second" + PERIOD),
            Map.entry("pgcat_stats_avg_xact_time", "mean microseconds per transaction" + PERIOD),
            Map.entry("pgcat_stats_avg_wait_time", "mean microseconds a transaction's client waited for a server"
                    + PERIOD),
            Map.entry("pgcat_servers_bytes_received", "bytes received from this server" + SINCE),
            Map.entry("pgcat_servers_bytes_sent", "bytes sent to this server" + SINCE),
            Map.entry("pgcat_servers_transaction_count", "transactions completed" + SINCE),
            Map.entry("pgcat_servers_query_count", "requests answered" + SINCE),
            Map.entry("pgcat_servers_error_count", "ErrorResponses this server sent" + SINCE),
            Map.entry("pgcat_servers_idle_count", "connections to this server idle in the pool now"),
            Map.entry("pgcat_servers_active_count", "connections to this server held by a client now"),
            Map.entry("pgcat_servers_tested_count", "connections to this server being reset or health-checked now"),
            Map.entry("pgcat_servers_login_count", "connections to this server being opened now"),
            Map.entry("pgcat_servers_is_banned", "1 while the server gets no new connections of this pool: the admin console's BAN, or ban_time after a failed connection (replicas only)"),
            Map.entry("pgcat_servers_is_paused", "1 while the pool is PAUSEd on the admin console"),
            Map.entry("pgcat_databases_pool_size", "the pool's pool_size (most server connections per pool and user)"),
            Map.entry("pgcat_databases_current_connections", "connections to this server open or opening now"),
            Map.entry("pgrudder_patroni_has_leader", "1 while the Patroni topology has a running, confirmed leader"),
            Map.entry("pgrudder_patroni_leader_changes", "times the leader changed since pgrudder started (failovers "
                    + "and switchovers)"),
            Map.entry("pgrudder_patroni_no_leader_seconds", "seconds without a leader in total since the first leader "
                    + "was seen, the current gap included (it grows only while there is no leader)"),
            Map.entry("pgrudder_patroni_members_failing", "Patroni members whose last REST poll failed"),
            Map.entry("pgrudder_patroni_writes_waiting_for_leader", "clients waiting for a primary connection while "
                    + "there is no leader, or while the leader is held for a pending switchover"),
            Map.entry("pgrudder_patroni_leader_held", "1 while a switchover away from the leader is pending (Patroni's "
                    + "failover key, seen by the etcd watch): new transactions wait for the next leader"),
            Map.entry("pgrudder_patroni_dcs_watch_live", "1 while the pool's watch of Patroni's keys in etcd is live, "
                    + "0 while etcd cannot be watched (REST polling alone); only pools with patroni_etcd_hosts"),
            Map.entry("pgrudder_patroni_leader", "1 for the Patroni member that leads the pool's cluster now, 0 for "
                    + "the others"));

    private MetricHelp() {
    }

    static String of(String family) {
        String help = HELP.get(family);
        if (help == null) {
            throw new IllegalArgumentException("no HELP text for " + family);
        }
        return help;
    }
}
