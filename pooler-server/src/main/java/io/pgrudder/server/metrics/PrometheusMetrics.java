package io.pgrudder.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.netty.util.internal.PlatformDependent;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.stats.ClientMeter;
import io.pgrudder.core.stats.Observer;
import io.pgrudder.core.stats.PoolCounters;
import io.pgrudder.core.stats.Stats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * The Prometheus exporter's registry. pgcat's families ({@code pgcat_pools_*},
 * {@code pgcat_stats_*}, {@code pgcat_servers_*}, {@code pgcat_databases_*}) with pgcat's names
 * and labels, refreshed from a {@link PoolView} snapshot before each scrape; the per-server
 * families have one series per server with the role it has now (see {@link ServerSeries}), not
 * pgcat's one per pool labelled with the first configured host. They are gauges
 * because Prometheus counters get a {@code _total} suffix that pgcat's names do not have. Ours
 * ({@code pgrudder_*}): checkout wait and query latency histograms, connections opened/closed,
 * errors by SQLSTATE class, Netty direct memory, build info;
 * and the JVM's and the process's (open/max file descriptors).
 */
public final class PrometheusMetrics implements Observer {
    private final Pooler pooler;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, MultiGauge> families = new LinkedHashMap<>();
    private final Timer checkoutWait;
    private final Timer queryDuration;
    private final Map<String, Counter> errorsByClass = new ConcurrentHashMap<>();
    private final Periods periods = new Periods(Duration.ofSeconds(PoolCounters.STAT_PERIOD_SECONDS));

    public PrometheusMetrics(Pooler pooler) {
        this.pooler = pooler;
        checkoutWait = Timer.builder("pgrudder.checkout.wait")
                .description("time a client waited for a server connection from its pool")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        queryDuration = Timer.builder("pgrudder.query.duration")
                .description("time from a client's request (Query, Sync, FunctionCall) to its ReadyForQuery")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        Stats stats = pooler.stats();
        FunctionCounter.builder("pgrudder.connections.opened", stats, Stats::clientsOpened).tag("side", "client")
                .description("client connections that logged in to a pool, since start").register(registry);
        FunctionCounter.builder("pgrudder.connections.closed", stats, Stats::clientsClosed).tag("side", "client")
                .description("logged-in client connections that closed, since start").register(registry);
        FunctionCounter.builder("pgrudder.connections.opened", stats, s -> Stats.serverConnectionsOpened())
                .tag("side", "server").description("server connections opened to PostgreSQL, since start")
                .register(registry);
        FunctionCounter.builder("pgrudder.connections.closed", stats, s -> Stats.serverConnectionsClosed())
                .tag("side", "server").description("server connections to PostgreSQL that closed, since start")
                .register(registry);
        Gauge.builder("pgrudder.clients", stats, s -> s.clients().size()).description("clients logged in to a pool now (admin console sessions not included)")
                .register(registry);
        Gauge.builder("pgrudder.client.connections", pooler, p -> p.clientConnections().open())
                .description("client connections open, counted against max_client_conn (logins and admin included)")
                .register(registry);
        Gauge.builder("pgrudder.client.connections.max", pooler, p -> p.config().general().maxClientConn())
                .description("the most client connections open at once (general.max_client_conn)").register(registry);
        Gauge.builder("pgrudder.netty.direct.memory.used", PlatformDependent::usedDirectMemory).baseUnit("bytes")
                .description("direct memory Netty's buffers hold now (PlatformDependent.usedDirectMemory; -1 when "
                        + "Netty does not count it)").register(registry);
        Gauge.builder("pgrudder.netty.direct.memory.max", PlatformDependent::maxDirectMemory).baseUnit("bytes")
                .description("the most direct memory Netty may use (-XX:MaxDirectMemorySize or io.netty.maxDirectMemory)")
                .register(registry);
        Gauge.builder("pgrudder.build.info", () -> 1)
                .tags("version", Build.version(), "revision", Build.revision())
                .description("1, labelled with the running build's version and git revision (unknown when the "
                        + "build did not say)").register(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    @Override
    public void checkoutWaited(long nanos) {
        checkoutWait.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void queryDone(long nanos) {
        queryDuration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void error(String sqlState) {
        String cls = sqlState == null || sqlState.length() < 2 ? "unknown" : sqlState.substring(0, 2);
        errorsByClass.computeIfAbsent(cls, c -> Counter.builder("pgrudder.errors").tag("sqlstate_class", c)
                .description("ErrorResponses sent to clients, by SQLSTATE class").register(registry)).increment();
    }

    /** Refreshes pgcat's families from the pools, then renders the text format. */
    public CompletableFuture<String> scrape() {
        return PoolView.all(pooler).thenApply(views -> {
            refresh(views);
            return registry.scrape();
        });
    }

    private synchronized void refresh(List<PoolView> views) {
        // pgcat_pools_*: labels pool, user.
        pools("maxwait_us", v -> v.maxWaitMicros() % 1_000_000, views);
        pools("maxwait", v -> v.maxWaitMicros() / 1_000_000, views);
        pools("cl_waiting", v -> v.clients(ClientMeter.State.WAITING), views);
        pools("cl_active", v -> v.clients(ClientMeter.State.ACTIVE), views);
        pools("cl_idle", v -> v.clients(ClientMeter.State.IDLE), views);
        pinned(views);
        pools("sv_idle", v -> v.servers(ServerState.IDLE), views);
        pools("sv_active", v -> v.servers(ServerState.ACTIVE), views);
        pools("sv_login", v -> v.connecting(), views);
        pools("sv_tested", v -> v.servers(ServerState.RESETTING), views);
        // pgcat_stats_*, pgcat_servers_*, pgcat_databases_*: one series per server, labels
        // database, host, index, pool, role, shard, username; the role is the one it has now.
        List<ServerRow> servers = serverRows(views);
        stat("total_query_count", r -> r.totals.queryCount(), servers);
        stat("total_query_time", r -> r.totals.queryTime(), servers);
        stat("total_received", r -> r.totals.received(), servers);
        stat("total_sent", r -> r.totals.sent(), servers);
        stat("total_xact_count", r -> r.totals.xactCount(), servers);
        stat("total_xact_time", r -> r.totals.xactTime(), servers);
        stat("total_wait_time", r -> r.totals.waitTime(), servers);
        stat("avg_query_count", r -> r.averages.queryCount(), servers);
        stat("avg_query_time", r -> r.averages.queryTime(), servers);
        stat("avg_recv", r -> r.averages.recv(), servers);
        stat("avg_sent", r -> r.averages.sent(), servers);
        stat("avg_errors", r -> r.averages.errors(), servers);
        stat("avg_xact_count", r -> r.averages.xactCount(), servers);
        stat("avg_xact_time", r -> r.averages.xactTime(), servers);
        stat("avg_wait_time", r -> r.averages.waitTime(), servers);
        address("servers", "bytes_received", r -> r.totals.received(), servers);
        address("servers", "bytes_sent", r -> r.totals.sent(), servers);
        address("servers", "transaction_count", r -> r.totals.xactCount(), servers);
        address("servers", "query_count", r -> r.totals.queryCount(), servers);
        address("servers", "error_count", r -> r.totals.errors(), servers);
        address("servers", "idle_count", r -> r.count(ServerState.IDLE), servers);
        address("servers", "active_count", r -> r.count(ServerState.ACTIVE), servers);
        address("servers", "tested_count", r -> r.count(ServerState.RESETTING), servers);
        address("servers", "login_count", r -> r.count(ServerState.CONNECTING) + r.count(ServerState.AUTHENTICATING),
                servers);
        // Banned for this (pool, user): by the admin console's BAN, or for failed connections (ban_time).
        java.util.Set<String> banned = new java.util.HashSet<>();
        pooler.allPools().forEach((key, pool) -> pool.target().bans().forEach(b -> banned.add(key.database() + "\0"
                + key.user() + "\0" + b.server().host() + ":" + b.server().port())));
        address("servers", "is_banned", r -> banned.contains(r.view.poolName() + "\0" + r.view.user() + "\0"
                + r.server.host() + ":" + r.server.port()) ? 1 : 0, servers);
        address("servers", "is_paused", r -> r.view.paused() ? 1 : 0, servers);
        // pgrudder_patroni_*: label pool, for pools that follow Patroni.
        patroni("has_leader", (c, waiting) -> c.hasLeader() ? 1 : 0, views);
        patroni("leader_changes", (c, waiting) -> c.leaderChanges(), views);
        patroni("no_leader_seconds", (c, waiting) -> c.noLeaderSeconds(), views);
        patroni("members_failing", (c, waiting) -> c.membersFailing(), views);
        patroni("writes_waiting_for_leader", (c, waiting) -> c.hasLeader() && !c.leaderHeld() ? 0 : waiting, views);
        patroni("leader_held", (c, waiting) -> c.leaderHeld() ? 1 : 0, views);
        patroniWatch(views);
        patroniLeader(views);
        // pgcat_databases_*: same labels.
        address("databases", "pool_size", r -> r.view.settings().poolSize(), servers);
        address("databases", "current_connections", r -> r.count(ServerState.IDLE) + r.count(ServerState.ACTIVE)
                + r.count(ServerState.RESETTING) + r.count(ServerState.CONNECTING) + r.count(ServerState.AUTHENTICATING),
                servers);
    }

    /** One server of one (pool, user) at this scrape: its labels, its totals, its last period's averages. */
    private record ServerRow(PoolView view, ServerSeries server, PoolCounters.Totals totals,
                             PoolCounters.Averages averages) {
        long count(ServerState state) {
            return view.servers().stream().filter(s -> s.state() == state && server.serves(s)).count();
        }

        Tags tags() {
            return Tags.of("database", view.settings().database(), "host", server.host(), "index",
                    String.valueOf(server.index()), "pool", view.poolName(), "role", server.role().configName(),
                    "shard", "0", "username", view.user());
        }
    }

    private List<ServerRow> serverRows(List<PoolView> views) {
        Map<String, io.pgrudder.core.topology.Topology> topologies = pooler.topologies();
        List<ServerRow> rows = new ArrayList<>();
        long now = System.nanoTime();
        for (PoolView v : views) {
            List<ServerSeries> series = ServerSeries.of(pooler.config().pools().get(v.poolName()),
                    ServerSeries.topology(topologies, v.poolName()), v.servers());
            for (ServerSeries s : series) {
                PoolCounters.Totals totals = pooler.stats().addressTotals(v.poolName(), v.user(), s.host(), s.port());
                rows.add(new ServerRow(v, s, totals, periods.averages(v.poolName() + '\0' + v.user() + '\0' + s.key(),
                        totals, now)));
            }
        }
        return rows;
    }

    /** pgrudder_patroni_leader{pool, host, member}: 1 for the member that leads now, 0 for the others. */
    private void patroniLeader(List<PoolView> views) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, io.pgrudder.core.topology.Topology> e : pooler.topologies().entrySet()) {
            String leader = e.getValue().leaderName().orElse("");
            for (io.pgrudder.core.topology.Member m : e.getValue().members()) {
                rows.add(MultiGauge.Row.of(Tags.of("pool", e.getKey(), "member", m.name(), "host", m.host()),
                        m.name().equals(leader) ? 1 : 0));
            }
        }
        family("pgrudder_patroni_leader").register(rows, true);
    }

    private interface PatroniValue {
        double of(io.pgrudder.core.topology.TopologyCounters counters, long waitingClients);
    }

    private void patroni(String name, PatroniValue value, List<PoolView> views) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, io.pgrudder.core.topology.TopologyCounters> e : pooler.topologyCounters().entrySet()) {
            long waiting = views.stream().filter(v -> v.poolName().equals(e.getKey()))
                    .mapToLong(v -> v.clients(ClientMeter.State.WAITING)).sum();
            rows.add(MultiGauge.Row.of(Tags.of("pool", e.getKey()), value.of(e.getValue(), waiting)));
        }
        family("pgrudder_patroni_" + name).register(rows, true);
    }

    /** pgrudder_patroni_dcs_watch_live{pool}: 1 while the pool's etcd watch is live; only pools that have one. */
    private void patroniWatch(List<PoolView> views) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, io.pgrudder.core.topology.TopologyCounters> e : pooler.topologyCounters().entrySet()) {
            io.pgrudder.core.topology.DcsWatch watch = e.getValue().dcsWatch();
            if (watch != io.pgrudder.core.topology.DcsWatch.OFF) {
                rows.add(MultiGauge.Row.of(Tags.of("pool", e.getKey()),
                        watch == io.pgrudder.core.topology.DcsWatch.LIVE ? 1 : 0));
            }
        }
        family("pgrudder_patroni_dcs_watch_live").register(rows, true);
    }

    private void pools(String name, ToLongFunction<PoolView> value, List<PoolView> views) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (PoolView v : views) {
            rows.add(MultiGauge.Row.of(Tags.of("pool", v.poolName(), "user", v.user()), value.applyAsLong(v)));
        }
        family("pgcat_pools_" + name).register(rows, true);
    }

    /** pgrudder_pinned_clients{pool, user, reason}: transaction-mode clients keeping their server, by what pins them. */
    private void pinned(List<PoolView> views) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (PoolView v : views) {
            for (io.pgrudder.core.client.Pin pin : io.pgrudder.core.client.Pin.values()) {
                long n = v.clients().stream().filter(c -> c.pinReasons().contains(pin.metricName())).count();
                rows.add(MultiGauge.Row.of(Tags.of("pool", v.poolName(), "user", v.user(), "reason", pin.metricName()), n));
            }
        }
        family("pgrudder_pinned_clients").register(rows, true);
    }

    private void stat(String name, ToLongFunction<ServerRow> value, List<ServerRow> servers) {
        address("stats", name, value, servers);
    }

    private void address(String family, String name, ToLongFunction<ServerRow> value, List<ServerRow> servers) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (ServerRow r : servers) {
            rows.add(MultiGauge.Row.of(r.tags(), value.applyAsLong(r)));
        }
        family("pgcat_" + family + "_" + name).register(rows, true);
    }

    private MultiGauge family(String name) {
        return families.computeIfAbsent(name, n -> MultiGauge.builder(n).description(MetricHelp.of(n))
                .register(registry));
    }

    /** How often pgcat recomputes averages; the exporter's timer rolls the period. */
    public static Duration statPeriod() {
        return Duration.ofSeconds(PoolCounters.STAT_PERIOD_SECONDS);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
