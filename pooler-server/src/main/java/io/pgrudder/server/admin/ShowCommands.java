package io.pgrudder.server.admin;

import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.config.ShardConfig;
import io.pgrudder.core.stats.ClientMeter;
import io.pgrudder.core.stats.PoolCounters;
import io.pgrudder.core.stats.ServerMeter;
import io.pgrudder.server.metrics.PoolView;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * SHOW ...: pgcat 1.3's column names, in pgcat's order (its src/admin.rs and src/stats/); where
 * PgBouncer has columns pgcat lacks (CLIENTS/SERVERS: addr, port, local_addr, local_port,
 * remote_pid, tls) they follow, in PgBouncer's order. PgBouncer's own tables (STATS_TOTALS,
 * STATS_AVERAGES, TOTALS, SOCKETS, FDS, MEM, STATE) have PgBouncer's names, so that
 * pgbouncer_exporter, which reads columns by name, finds them.
 */
final class ShowCommands {
    static final List<String> NAMES = List.of("POOLS", "STATS", "SERVERS", "CLIENTS", "DATABASES", "CONFIG", "LISTS",
            "USERS", "VERSION", "BANS", "HELP", "TOPOLOGY", "PATRONI", "STATS_TOTALS", "STATS_AVERAGES", "TOTALS",
            "SOCKETS", "FDS", "MEM", "STATE");
    /** Keys whose [general] value is in seconds in pgcat.toml (the rest are milliseconds). */
    private static final Set<String> SECONDS = Set.of("ban_time", "dns_max_ttl", "tcp_keepalives_idle",
            "tcp_keepalives_interval");
    private static final Set<String> SECRET = Set.of("admin_password", "auth_query_password");
    private static final Set<String> NOT_CHANGEABLE = Set.of("host", "port", "connect_timeout",
            "prometheus_exporter_port", "enable_prometheus_exporter", "worker_threads");

    private final Pooler pooler;
    private final ConsoleState state;

    ShowCommands(Pooler pooler, ConsoleState state) {
        this.pooler = pooler;
        this.state = state;
    }

    CompletableFuture<ResultTable> run(String what) {
        return switch (what) {
            case "POOLS" -> PoolView.all(pooler).thenApply(this::pools);
            case "STATS" -> PoolView.all(pooler).thenApply(this::stats);
            case "SERVERS" -> PoolView.all(pooler).thenApply(this::servers);
            case "CLIENTS" -> PoolView.all(pooler).thenApply(this::clients);
            case "DATABASES" -> PoolView.all(pooler).thenApply(this::databases);
            case "LISTS" -> PoolView.all(pooler).thenApply(this::lists);
            case "CONFIG" -> CompletableFuture.completedFuture(config());
            case "USERS" -> CompletableFuture.completedFuture(users());
            case "VERSION" -> CompletableFuture.completedFuture(ResultTable.show().text("version")
                    .row("PgCat 1.3.0 (pgrudder " + version() + ")"));
            case "BANS" -> CompletableFuture.completedFuture(bans());
            case "HELP" -> CompletableFuture.completedFuture(help());
            case "TOPOLOGY", "PATRONI" -> CompletableFuture.completedFuture(topology());
            case "STATS_TOTALS" -> PoolView.all(pooler).thenApply(PgBouncerTables::statsTotals);
            case "STATS_AVERAGES" -> PoolView.all(pooler).thenApply(PgBouncerTables::statsAverages);
            case "TOTALS" -> PoolView.all(pooler).thenApply(PgBouncerTables::totals);
            case "SOCKETS" -> PoolView.all(pooler).thenApply(v -> PgBouncerTables.sockets(v, pooler.stats()));
            case "FDS" -> CompletableFuture.completedFuture(PgBouncerTables.fds());
            case "MEM" -> CompletableFuture.completedFuture(PgBouncerTables.mem());
            case "STATE" -> PoolView.all(pooler).thenApply(PgBouncerTables::state);
            default -> CompletableFuture.failedFuture(io.pgrudder.protocol.PgException.error(
                    io.pgrudder.protocol.SqlState.SYNTAX_ERROR, "Unsupported SHOW query against the admin database: \"SHOW "
                            + what + "\"; supported: SHOW " + String.join("|", NAMES)));
        };
    }

    private ResultTable pools(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("database", "user", "pool_mode")
                .number("cl_idle", "cl_active", "cl_waiting", "cl_cancel_req", "sv_active", "sv_idle", "sv_used",
                        "sv_tested", "sv_login", "maxwait", "maxwait_us");
        long now = System.nanoTime();
        for (PoolView v : views) {
            long wait = v.maxWaitMicros();
            // cl_cancel_req: cancel requests being forwarded to this pool's servers now. sv_used
            // (PgBouncer's meaning): idle longer than healthcheck_delay, so tested before reuse.
            long cancels = v.servers().stream().filter(s -> s.cancelInFlight() != null && !s.cancelInFlight().isDone())
                    .count();
            long delay = v.settings().healthcheckDelay().toNanos();
            long used = v.servers().stream().filter(s -> s.state() == ServerState.IDLE && now - s.lastUsedNanos() > delay)
                    .count();
            t.row(v.poolName(), v.user(), v.settings().poolMode().configName(),
                    v.clients(ClientMeter.State.IDLE), v.clients(ClientMeter.State.ACTIVE),
                    v.clients(ClientMeter.State.WAITING), cancels, v.servers(ServerState.ACTIVE),
                    v.servers(ServerState.IDLE) - used, used, v.servers(ServerState.RESETTING), v.connecting(),
                    wait / 1_000_000, wait % 1_000_000);
        }
        return t;
    }

    private ResultTable stats(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("instance", "database", "user")
                .number("total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time",
                        "total_query_time", "total_wait_time", "total_errors", "avg_xact_count", "avg_query_count",
                        "avg_recv", "avg_sent", "avg_errors", "avg_xact_time", "avg_query_time", "avg_wait_time");
        for (PoolView v : views) {
            PoolCounters.Totals n = v.counters().totals();
            PoolCounters.Averages a = v.counters().averages();
            t.row(v.instance(), v.poolName(), v.user(), n.xactCount(), n.queryCount(), n.received(), n.sent(),
                    n.xactTime(), n.queryTime(), n.waitTime(), n.errors(), a.xactCount(), a.queryCount(), a.recv(),
                    a.sent(), a.errors(), a.xactTime(), a.queryTime(), a.waitTime());
        }
        return t;
    }

    private ResultTable servers(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("server_id", "database_name", "user", "address_id", "application_name",
                        "state")
                .number("transaction_count", "query_count", "bytes_sent", "bytes_received", "age_seconds",
                        "prepare_cache_hit", "prepare_cache_miss", "prepare_cache_eviction", "prepare_cache_size")
                .text("addr").number("port").text("local_addr").number("local_port", "remote_pid").text("tls");
        for (PoolView v : views) {
            for (ServerConnection s : v.servers()) {
                String state = switch (s.state()) {
                    case IDLE -> "idle";
                    case ACTIVE -> "active";
                    case RESETTING -> "tested";
                    case CONNECTING, AUTHENTICATING -> "login";
                    default -> null;
                };
                if (state == null) {
                    continue;
                }
                Optional<ServerMeter> m = pooler.stats().serverMeter(s);
                Sockets sock = Sockets.of(s.channel());
                t.row(String.valueOf(s.id()), v.poolName(), v.user(), v.instance(s),
                        s.parameters().getOrDefault("application_name", ""), state,
                        m.map(ServerMeter::transactionCount).orElse(0L), m.map(ServerMeter::queryCount).orElse(0L),
                        m.map(ServerMeter::bytesSent).orElse(0L), m.map(ServerMeter::bytesReceived).orElse(0L),
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - s.createdNanos()), 0, 0, 0,
                        s.statements().size(), sock.addr(), sock.port(), sock.localAddr(), sock.localPort(),
                        s.processId(), sock.tls());
            }
        }
        return t;
    }

    private ResultTable clients(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("client_id", "database", "user", "application_name", "state")
                .number("transaction_count", "query_count", "error_count", "age_seconds", "maxwait", "maxwait_us")
                .text("addr").number("port").text("local_addr").number("local_port", "remote_pid").text("tls")
                .text("pinned");
        for (PoolView v : views) {
            for (ClientMeter c : v.clients()) {
                long wait = c.waitingNanos() / 1000;
                Sockets sock = Sockets.of(c.channel());
                t.row(String.valueOf(c.id()), v.poolName(), v.user(), c.applicationName(),
                        c.state().name().toLowerCase(java.util.Locale.ROOT), c.transactionCount(), c.queryCount(),
                        c.errorCount(), TimeUnit.NANOSECONDS.toSeconds(c.ageNanos()), wait / 1_000_000, wait % 1_000_000,
                        // remote_pid: PgBouncer knows it only for Unix-socket peers; pgrudder takes TCP only.
                        sock.addr(), sock.port(), sock.localAddr(), sock.localPort(), 0, sock.tls(), c.pinned());
            }
        }
        return t;
    }

    private ResultTable databases(List<PoolView> views) {
        ResultTable t = ResultTable.show().text("name", "host").number("port").text("database", "force_user")
                .number("pool_size", "min_pool_size", "reserve_pool").text("pool_mode")
                .number("max_connections", "current_connections", "paused", "disabled");
        for (PoolView v : views) {
            PoolConfig pool = pooler.config().pools().get(v.poolName());
            if (pool == null) {
                continue;
            }
            for (int shard = 0; shard < pool.shards().size(); shard++) {
                ShardConfig sc = pool.shards().get(shard);
                int replica = 0;
                for (ServerAddress a : sc.servers()) {
                    String name = v.poolName() + "_shard_" + shard + "_" + a.role().configName()
                            + (a.role() == io.pgrudder.core.config.Role.PRIMARY ? "" : "_" + replica++);
                    long current = v.servers().stream()
                            .filter(s -> s.state().isUsable() && s.address().equals(a)).count();
                    t.row(name, a.host(), a.port(), sc.database(), v.user(), v.settings().poolSize(),
                            v.settings().minPoolSize(), 0, v.settings().poolMode().configName(),
                            v.settings().poolSize(), current, v.paused() ? 1 : 0,
                            state.disabled.contains(v.poolName()) ? 1 : 0);
                }
            }
        }
        return t;
    }

    private ResultTable lists(List<PoolView> views) {
        long idleServers = views.stream().mapToLong(v -> v.servers(ServerState.IDLE)).sum();
        long usedServers = views.stream().mapToLong(v -> v.servers(ServerState.ACTIVE) + v.servers(ServerState.RESETTING)
                + v.connecting()).sum();
        long clients = views.stream().mapToLong(v -> v.clients().size()).sum();
        Set<String> users = views.stream().map(PoolView::user).collect(Collectors.toSet());
        return ResultTable.show().text("list").number("items")
                .row("databases", pooler.config().pools().size())
                .row("users", users.size())
                .row("pools", views.size())
                // free_clients: PgBouncer's cache of unused client slots; pgrudder has none, so 0.
                // dns_*: no DNS cache either (the JVM resolves), so 0.
                .row("free_clients", 0)
                .row("used_clients", clients)
                .row("login_clients", Math.max(0, pooler.clientConnections().open() - clients - state.adminSessions.get()))
                .row("free_servers", idleServers)
                .row("used_servers", usedServers)
                .row("dns_names", 0)
                .row("dns_zones", 0)
                .row("dns_queries", 0)
                .row("dns_pending", 0);
    }

    /**
     * pgrudder's own: each Patroni member as the poller sees it, who leads since when, whether the
     * leader is held for a pending switchover, and how the etcd watch stands (off, connecting, live, down).
     */
    private ResultTable topology() {
        ResultTable t = ResultTable.show().text("pool", "cluster", "member", "host", "port", "role", "state",
                "lag_bytes", "timeline", "tags", "last_poll", "is_leader", "leader", "leader_since", "leader_held",
                "dcs_watch");
        for (Map.Entry<String, io.pgrudder.core.topology.Topology> e : pooler.topologies().entrySet()) {
            io.pgrudder.core.topology.Topology topo = e.getValue();
            String leader = topo.leaderName().orElse("");
            io.pgrudder.core.topology.TopologyCounters counters = pooler.topologyCounters().get(e.getKey());
            String watch = counters == null ? "off" : counters.dcsWatch().name().toLowerCase(Locale.ROOT);
            for (io.pgrudder.core.topology.Member m : topo.members()) {
                List<String> tags = new java.util.ArrayList<>();
                if (m.noLoadBalance()) {
                    tags.add("noloadbalance");
                }
                if (m.noFailover()) {
                    tags.add("nofailover");
                }
                t.row(e.getKey(), topo.clusterName(), m.name(), m.host(), String.valueOf(m.port()),
                        m.role().name().toLowerCase(Locale.ROOT), m.state(),
                        m.lagBytes().isPresent() ? String.valueOf(m.lagBytes().getAsLong()) : "",
                        String.valueOf(m.timeline()), String.join(",", tags), String.valueOf(m.lastPoll()),
                        m.name().equals(leader) ? "t" : "f", leader, topo.leaderSince().toString(),
                        topo.leaderHeld() ? "t" : "f", watch);
            }
        }
        return t;
    }

    private ResultTable users() {
        ResultTable t = ResultTable.show().text("name", "pool_mode");
        for (PoolConfig pool : pooler.config().pools().values()) {
            pool.users().values().forEach(u -> t.row(u.username(), pool.poolModeFor(u).configName()));
        }
        // Users only auth_query knows, once one logged in (DiscoveredPools made their pool): a row per pool, as above.
        Map<io.pgrudder.core.pool.Pools.PoolKey, io.pgrudder.core.pool.Pool> configured = pooler.pools().byKey();
        pooler.discoveredPools().byKey().forEach((key, pool) -> {
            if (key.role() == io.pgrudder.core.config.Role.PRIMARY && !configured.containsKey(key)) {
                t.row(key.user(), pool.settings().poolMode().configName());
            }
        });
        return t;
    }

    private ResultTable config() {
        ResultTable t = ResultTable.show().text("key", "value", "default", "changeable");
        GeneralConfig g = pooler.config().general();
        for (RecordComponent c : GeneralConfig.class.getRecordComponents()) {
            String key = snake(c.getName());
            Object value;
            try {
                value = c.getAccessor().invoke(g);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (SECRET.contains(key)) {
                value = "********";
            } else if (value instanceof Optional<?> o) {
                value = o.map(String::valueOf).orElse("");
                if (o.orElse(null) instanceof Duration d) {
                    value = d.toMillis();
                }
            }
            if (value instanceof Duration d) {
                value = SECONDS.contains(key) ? d.toSeconds() : d.toMillis();
            } else if (value instanceof Enum<?> e) {
                value = e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            }
            t.row(key, value == null ? "" : String.valueOf(value), "-", NOT_CHANGEABLE.contains(key) ? "no" : "yes");
        }
        return t;
    }

    /** pgcat's SHOW BANS: every ban of every pool's target, admin bans and failed connections alike. */
    private ResultTable bans() {
        ResultTable t = ResultTable.show().text("db", "user", "role", "host", "reason")
                .number("ban_time", "ban_duration_seconds", "ban_remaining_seconds");
        pooler.allPools().forEach((key, pool) -> pool.target().bans().forEach(b -> t.row(key.database(), key.user(),
                b.server().role().configName(), b.server().host(), b.reason(), b.since(), b.durationSeconds(),
                b.remainingSeconds())));
        return t;
    }

    private static ResultTable help() {
        ResultTable t = ResultTable.show().text("command");
        NAMES.forEach(n -> t.row("SHOW " + n));
        for (String c : List.of("RELOAD", "PAUSE [db[,user]]", "RESUME [db[,user]]", "RECONNECT [db]", "KILL db",
                "KILL_CLIENT id", "BAN host seconds", "UNBAN host", "DISABLE db", "ENABLE db", "WAIT_CLOSE [db]", "SWITCHOVER [db] [TO member]", "SHUTDOWN",
                "SET key = value")) {
            t.row(c);
        }
        return t;
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String version() {
        return io.pgrudder.server.Main.version();
    }
}
