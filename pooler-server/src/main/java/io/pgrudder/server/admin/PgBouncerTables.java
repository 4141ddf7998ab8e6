package io.pgrudder.server.admin;

import io.netty.util.internal.PlatformDependent;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.stats.ClientMeter;
import io.pgrudder.core.stats.PoolCounters;
import io.pgrudder.core.stats.Stats;
import io.pgrudder.server.metrics.PoolView;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * PgBouncer's SHOW tables pgcat lacks, with PgBouncer's column names (pgbouncer_exporter reads
 * SHOW STATS_TOTALS by name). Traffic is counted as PgBouncer counts it: {@code bytes_received}
 * came from clients, {@code bytes_sent} went to clients; times in microseconds. Columns whose
 * counter pgrudder does not keep (client_parse_count, server_parse_count, bind_count: they would
 * cost a count per message) are left out rather than shown as 0.
 */
final class PgBouncerTables {
    private PgBouncerTables() {
    }

    /** One row per database (pool name), its users' totals added up. */
    static ResultTable statsTotals(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("database").number("xact_count", "query_count",
                "server_assignment_count", "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time");
        byDatabase(views).forEach((db, vs) -> {
            PoolCounters.Totals n = sum(vs);
            long assignments = vs.stream().mapToLong(v -> v.counters().serverAssignments()).sum();
            t.row(db, n.xactCount(), n.queryCount(), assignments, n.sent(), n.received(), n.xactTime(),
                    n.queryTime(), n.waitTime());
        });
        return t;
    }

    /** One row per database: the last 15-second period's rates (per second) and mean times (µs). */
    static ResultTable statsAverages(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("database").number("xact_count", "query_count", "bytes_received",
                "bytes_sent", "xact_time", "query_time", "wait_time");
        byDatabase(views).forEach((db, vs) -> {
            Averages a = averages(vs);
            t.row(db, a.xactCount, a.queryCount, a.received, a.sent, a.xactTime, a.queryTime, a.waitTime);
        });
        return t;
    }

    /** SHOW TOTALS: SHOW STATS added up over every database, as (name, value) rows. */
    static ResultTable totals(List<PoolView> views) {
        PoolCounters.Totals n = sum(views);
        Averages a = averages(views);
        return ResultTable.show().text("name").number("value")
                .row("total_xact_count", n.xactCount())
                .row("total_query_count", n.queryCount())
                .row("total_server_assignment_count", views.stream().mapToLong(v -> v.counters().serverAssignments()).sum())
                .row("total_received", n.sent())
                .row("total_sent", n.received())
                .row("total_xact_time", n.xactTime())
                .row("total_query_time", n.queryTime())
                .row("total_wait_time", n.waitTime())
                .row("avg_xact_count", a.xactCount)
                .row("avg_query_count", a.queryCount)
                .row("avg_recv", a.received)
                .row("avg_sent", a.sent)
                .row("avg_xact_time", a.xactTime)
                .row("avg_query_time", a.queryTime)
                .row("avg_wait_time", a.waitTime);
    }

    /** SHOW SOCKETS: every client (type C) and server (type S) connection, PgBouncer's columns pgrudder has. */
    static ResultTable sockets(List<PoolView> views, Stats stats) {
        ResultTable t = ResultTable.show().text("type", "user", "database", "state", "addr").number("port")
                .text("local_addr").number("local_port").text("connect_time").number("wait", "wait_us", "ptr",
                        "remote_pid").text("tls");
        for (PoolView v : views) {
            for (ClientMeter c : v.clients()) {
                Sockets s = Sockets.of(c.channel());
                long wait = c.waitingNanos() / 1000;
                t.row("C", v.user(), v.poolName(), c.state().name().toLowerCase(Locale.ROOT), s.addr(), s.port(),
                        s.localAddr(), s.localPort(), Instant.ofEpochMilli(c.connectedMillis()).toString(),
                        wait / 1_000_000, wait % 1_000_000, c.id(), 0, s.tls());
            }
            for (ServerConnection server : v.servers()) {
                if (!server.state().isUsable() && server.state() != ServerState.CONNECTING
                        && server.state() != ServerState.AUTHENTICATING) {
                    continue;
                }
                Sockets s = Sockets.of(server.channel());
                long ageMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - server.createdNanos());
                String state = switch (server.state()) { // SHOW SERVERS' words, which are PgBouncer's
                    case IDLE -> "idle";
                    case ACTIVE -> "active";
                    case RESETTING -> "tested";
                    default -> "login";
                };
                t.row("S", v.user(), v.poolName(), state, s.addr(), s.port(),
                        s.localAddr(), s.localPort(), Instant.now().minusMillis(ageMillis).toString(), 0, 0,
                        server.id(), server.processId(), s.tls());
            }
        }
        return t;
    }

    /**
     * SHOW FDS lists the sockets PgBouncer hands to its successor in an online restart (-R).
     * pgrudder has no online restart, so there is nothing to hand over: the columns, no rows.
     */
    static ResultTable fds() {
        return ResultTable.show().number("fd").text("task", "user", "database", "addr").number("port", "cancel", "link")
                .text("client_encoding", "std_strings", "datestyle", "timezone", "password", "scram_client_key",
                        "scram_server_key");
    }

    /**
     * SHOW MEM: PgBouncer lists its slab caches; pgrudder's memory is Netty's direct buffers and
     * the JVM heap, in bytes (size 1: each item is a byte).
     */
    static ResultTable mem() {
        long direct = PlatformDependent.usedDirectMemory();
        long maxDirect = PlatformDependent.maxDirectMemory();
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        ResultTable t = ResultTable.show().text("name").number("size", "used", "free", "memtotal");
        t.row("netty_direct", 1, Math.max(direct, 0), direct < 0 ? 0 : Math.max(maxDirect - direct, 0), Math.max(direct, 0));
        t.row("jvm_heap", 1, heapUsed, rt.maxMemory() - heapUsed, rt.totalMemory());
        return t;
    }

    /** SHOW STATE (PgBouncer 1.19): whether it serves, is paused (every pool), is suspended (never). */
    static ResultTable state(List<PoolView> views) {
        boolean paused = !views.isEmpty() && views.stream().allMatch(PoolView::paused);
        return ResultTable.show().text("key", "value")
                .row("active", paused ? "no" : "yes")
                .row("paused", paused ? "yes" : "no")
                .row("suspended", "no");
    }

    private static Map<String, List<PoolView>> byDatabase(List<PoolView> views) {
        Map<String, List<PoolView>> out = new LinkedHashMap<>();
        for (PoolView v : views) {
            out.computeIfAbsent(v.poolName(), k -> new java.util.ArrayList<>()).add(v);
        }
        return out;
    }

    private static PoolCounters.Totals sum(List<PoolView> views) {
        PoolCounters.Totals sum = PoolCounters.Totals.ZERO;
        for (PoolView v : views) {
            sum = sum.plus(v.counters().totals());
        }
        return sum;
    }

    private record Averages(long xactCount, long queryCount, long received, long sent, long xactTime, long queryTime,
                            long waitTime) {
    }

    /** Rates add up; mean times are weighted by each (pool, user)'s count in the period. */
    private static Averages averages(List<PoolView> views) {
        long xacts = 0, queries = 0, recv = 0, sent = 0, xactTime = 0, queryTime = 0, waitTime = 0;
        for (PoolView v : views) {
            PoolCounters.Averages a = v.counters().averages();
            xacts += a.xactCount();
            queries += a.queryCount();
            recv += a.sent();
            sent += a.recv();
            xactTime += a.xactTime() * a.xactCount();
            queryTime += a.queryTime() * a.queryCount();
            waitTime += a.waitTime() * a.xactCount();
        }
        return new Averages(xacts, queries, recv, sent, xacts == 0 ? 0 : xactTime / xacts,
                queries == 0 ? 0 : queryTime / queries, xacts == 0 ? 0 : waitTime / xacts);
    }
}
