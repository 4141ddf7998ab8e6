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
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
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
 * and labels, refreshed from a {@link PoolView} snapshot before each scrape; they are gauges
 * because Prometheus counters get a {@code _total} suffix that pgcat's names do not have. Ours
 * ({@code pgrudder_*}): checkout wait and query latency histograms, connections opened/closed,
 * errors by SQLSTATE class; and the JVM's.
 */
public final class PrometheusMetrics implements Observer {
    private final Pooler pooler;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, MultiGauge> families = new LinkedHashMap<>();
    private final Timer checkoutWait;
    private final Timer queryDuration;
    private final Map<String, Counter> errorsByClass = new ConcurrentHashMap<>();

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
                .description("connections opened").register(registry);
        FunctionCounter.builder("pgrudder.connections.closed", stats, Stats::clientsClosed).tag("side", "client")
                .description("connections closed").register(registry);
        FunctionCounter.builder("pgrudder.connections.opened", stats, s -> Stats.serverConnectionsOpened())
                .tag("side", "server").register(registry);
        FunctionCounter.builder("pgrudder.connections.closed", stats, s -> Stats.serverConnectionsClosed())
                .tag("side", "server").register(registry);
        Gauge.builder("pgrudder.clients", stats, s -> s.clients().size()).description("logged-in clients")
                .register(registry);
        Gauge.builder("pgrudder.client.connections", pooler, p -> p.clientConnections().open())
                .description("client connections open, counted against max_client_conn (logins and admin included)")
                .register(registry);
        Gauge.builder("pgrudder.client.connections.max", pooler, p -> p.config().general().maxClientConn())
                .description("max_client_conn").register(registry);
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
        // pgcat_stats_*: labels database, host, index, pool, role, shard, username.
        stat("total_query_count", v -> v.counters().totals().queryCount(), views);
        stat("total_query_time", v -> v.counters().totals().queryTime(), views);
        stat("total_received", v -> v.counters().totals().received(), views);
        stat("total_sent", v -> v.counters().totals().sent(), views);
        stat("total_xact_count", v -> v.counters().totals().xactCount(), views);
        stat("total_xact_time", v -> v.counters().totals().xactTime(), views);
        stat("total_wait_time", v -> v.counters().totals().waitTime(), views);
        stat("avg_query_count", v -> v.counters().averages().queryCount(), views);
        stat("avg_query_time", v -> v.counters().averages().queryTime(), views);
        stat("avg_recv", v -> v.counters().averages().recv(), views);
        stat("avg_sent", v -> v.counters().averages().sent(), views);
        stat("avg_errors", v -> v.counters().averages().errors(), views);
        stat("avg_xact_count", v -> v.counters().averages().xactCount(), views);
        stat("avg_xact_time", v -> v.counters().averages().xactTime(), views);
        stat("avg_wait_time", v -> v.counters().averages().waitTime(), views);
        // pgcat_servers_*: same labels.
        address("servers", "bytes_received", v -> v.counters().totals().received(), views);
        address("servers", "bytes_sent", v -> v.counters().totals().sent(), views);
        address("servers", "transaction_count", v -> v.counters().totals().xactCount(), views);
        address("servers", "query_count", v -> v.counters().totals().queryCount(), views);
        address("servers", "error_count", v -> v.counters().totals().errors(), views);
        address("servers", "idle_count", v -> v.servers(ServerState.IDLE), views);
        address("servers", "active_count", v -> v.servers(ServerState.ACTIVE), views);
        address("servers", "tested_count", v -> v.servers(ServerState.RESETTING), views);
        address("servers", "login_count", v -> v.connecting(), views);
        address("servers", "is_banned", v -> 0, views);
        address("servers", "is_paused", v -> v.paused() ? 1 : 0, views);
        // pgrudder_patroni_*: label pool, for pools that follow Patroni.
        patroni("has_leader", (c, waiting) -> c.hasLeader() ? 1 : 0, views);
        patroni("leader_changes", (c, waiting) -> c.leaderChanges(), views);
        patroni("no_leader_seconds", (c, waiting) -> c.noLeaderSeconds(), views);
        patroni("members_failing", (c, waiting) -> c.membersFailing(), views);
        patroni("writes_waiting_for_leader", (c, waiting) -> c.hasLeader() ? 0 : waiting, views);
        // pgcat_databases_*: same labels.
        address("databases", "pool_size", v -> v.settings().poolSize(), views);
        address("databases", "current_connections", PoolView::currentConnections, views);
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

    private void stat(String name, ToLongFunction<PoolView> value, List<PoolView> views) {
        address("stats", name, value, views);
    }

    private void address(String family, String name, ToLongFunction<PoolView> value, List<PoolView> views) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (PoolView v : views) {
            Tags tags = Tags.of("database", v.settings().database(), "host", v.settings().address().host(),
                    "index", "0", "pool", v.poolName(), "role", v.settings().address().role().configName(),
                    "shard", "0", "username", v.user());
            rows.add(MultiGauge.Row.of(tags, value.applyAsLong(v)));
        }
        family("pgcat_" + family + "_" + name).register(rows, true);
    }

    private MultiGauge family(String name) {
        return families.computeIfAbsent(name, n -> MultiGauge.builder(n).description(n.replace('_', ' '))
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
