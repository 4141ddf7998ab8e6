package io.pgrudder.server.lifecycle;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.server.admin.AdminDatabase;
import io.pgrudder.server.http.HttpEndpoint;
import io.pgrudder.server.metrics.PrometheusMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Everything that runs the pooler as a service rather than relays bytes: the admin console, the
 * HTTP endpoint (health, readiness, metrics), the stats period, reload and drain.
 */
public final class Operations implements AdminDatabase.Control, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);

    private final Pooler pooler;
    private final Reloader reloader;
    private final Drain drain;
    private final HttpEndpoint http;
    private final ScheduledExecutorService statsPeriod = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgrudder-stats");
        t.setDaemon(true);
        return t;
    });

    public Operations(Pooler pooler, Channel listener, List<EventLoopGroup> loops, Path configPath,
                      Map<String, String> env) throws InterruptedException {
        this.pooler = pooler;
        GeneralConfig general = pooler.config().general();
        PrometheusMetrics metrics = general.enablePrometheusExporter() ? new PrometheusMetrics(pooler) : null;
        if (metrics != null) {
            pooler.stats().observer(metrics);
        }
        pooler.stats().adminConsole(new AdminDatabase(pooler, this));
        long period = PrometheusMetrics.statPeriod().toMillis();
        statsPeriod.scheduleAtFixedRate(pooler.stats()::rollPeriod, period, period, TimeUnit.MILLISECONDS);
        this.drain = new Drain(pooler, listener);
        this.reloader = new Reloader(pooler, configPath, env);
        Health health = new Health(loops, () -> listener.isActive() && !drain.isDraining());
        this.http = startHttp(general, health, metrics);
    }

    /**
     * With the exporter on, the port was asked for: failing to bind it stops the start (as pgcat).
     * With it off, pgcat binds nothing, so two pgcat-style instances on one host must still start:
     * the health endpoints are then skipped with an error in the log.
     */
    private HttpEndpoint startHttp(GeneralConfig general, Health health, PrometheusMetrics metrics)
            throws InterruptedException {
        try {
            HttpEndpoint endpoint = new HttpEndpoint(general.host(), general.prometheusExporterPort(), health, metrics);
            log.info("HTTP on {}: /healthz /readyz{}", endpoint.address(), metrics != null ? " /metrics" : "");
            return endpoint;
        } catch (Exception e) { // Netty's bind failure is a checked IOException thrown unchecked
            if (metrics == null && !(e instanceof InterruptedException)) {
                log.error("no /healthz or /readyz: cannot listen on {}:{} ({}); set prometheus_exporter_port to a free port",
                        general.host(), general.prometheusExporterPort(), e.toString());
                return null;
            }
            reloader.close();
            statsPeriod.shutdownNow();
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new IllegalStateException("cannot listen on " + general.host() + ":" + general.prometheusExporterPort()
                    + " (prometheus_exporter_port): " + e, e);
        }
    }

    @Override
    public CompletableFuture<String> reload() {
        return reloader.reload("admin RELOAD").thenApply(o -> {
            if (!o.ok()) {
                throw new java.util.concurrent.CompletionException(io.pgrudder.protocol.PgException.error(
                        io.pgrudder.protocol.SqlState.CONFIG_FILE_ERROR, "RELOAD failed, the running config stays: " + o.message()));
            }
            return o.message();
        });
    }

    @Override
    public <T> CompletableFuture<T> swapPools(java.util.function.Supplier<T> swap) {
        return reloader.onReloadThread(swap);
    }

    /** SIGHUP. */
    public void reloadOnSignal() {
        reloader.reload("SIGHUP");
    }

    @Override
    public void shutdown(String why) {
        drain.start(why);
    }

    public Drain drain() {
        return drain;
    }

    /** Where /healthz, /readyz (and /metrics) are served; null when the port could not be had. */
    public InetSocketAddress httpAddress() {
        return http == null ? null : http.address();
    }

    @Override
    public void close() {
        drain.close();
        reloader.close();
        statsPeriod.shutdownNow();
        if (http != null) {
            http.close();
        }
    }
}
