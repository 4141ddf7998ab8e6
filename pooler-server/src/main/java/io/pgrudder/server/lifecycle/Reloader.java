package io.pgrudder.server.lifecycle;

import io.pgrudder.core.Pooler;
import io.pgrudder.core.config.ConfigException;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.ConfigProblem;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.pool.Pools;
import io.pgrudder.core.pool.Pools.PoolKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Re-reads the config (SIGHUP, admin RELOAD, {@code autoreload}) and swaps the pools as one
 * snapshot: a (pool, user) whose resolved settings did not change keeps its Pool object and its
 * connections; a changed one is retired in favour of a new one (busy connections finish, then
 * close; new checkouts go to the new pool); a removed one is retired with no successor. A config
 * that does not load is rejected with its problems logged and the old one stays.
 */
public final class Reloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final Pooler pooler;
    private final Path path;
    private final Map<String, String> env;
    /** One thread: reloads never overlap, and file reading stays off the event loops. */
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgrudder-reload");
        t.setDaemon(true);
        return t;
    });
    private volatile String lastSeen;

    public Reloader(Pooler pooler, Path path, Map<String, String> env) {
        this.pooler = pooler;
        this.path = path;
        this.env = env;
        this.lastSeen = fingerprint();
        pooler.config().general().autoreload().ifPresent(every -> {
            long ms = Math.max(100, every.toMillis());
            thread.scheduleWithFixedDelay(this::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
            log.info("autoreload: checking {} every {} ms", path, ms);
        });
    }

    /** Reloads on the reload thread; the future says what happened (or why not). */
    public CompletableFuture<Outcome> reload(String why) {
        if (path == null) {
            return CompletableFuture.completedFuture(new Outcome(false, "no config file to reload"));
        }
        return CompletableFuture.supplyAsync(() -> reloadNow(why), thread);
    }

    /** Runs another change of the pool set on the reload thread: swaps never overlap. */
    public <T> CompletableFuture<T> onReloadThread(java.util.function.Supplier<T> swap) {
        return CompletableFuture.supplyAsync(swap, thread);
    }

    private void reloadIfChanged() {
        String now = fingerprint();
        if (now != null && !now.equals(lastSeen)) {
            reloadNow("autoreload: " + path + " changed");
        }
    }

    /** On the reload thread, the only one that swaps pools (admin RECONNECT/KILL run there too). */
    private Outcome reloadNow(String why) {
        lastSeen = fingerprint();
        PoolerConfig next;
        try {
            next = ConfigLoader.load(path, env);
        } catch (ConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                log.error("reload ({}) rejected, keeping the running config: {}: {}", why, path, problem);
            }
            return new Outcome(false, "config rejected: " + e.problems());
        } catch (RuntimeException e) {
            log.error("reload ({}) rejected, keeping the running config: {}", why, e.toString());
            return new Outcome(false, "config rejected: " + e);
        }
        next.warnings().forEach(w -> log.warn("config {}: {}", path, w));
        warnAboutRestartOnly(pooler.config().general(), next.general());
        Pools old = pooler.pools();
        Pools fresh = pooler.createPools(next);
        Map<PoolKey, Pool> chosen = new LinkedHashMap<>();
        int kept = 0;
        int replaced = 0;
        for (Map.Entry<PoolKey, Pool> e : fresh.byKey().entrySet()) {
            Pool before = old.byKey().get(e.getKey());
            if (before != null && before.settings().equals(e.getValue().settings())) {
                chosen.put(e.getKey(), before);
                e.getValue().close();
                kept++;
            } else {
                chosen.put(e.getKey(), e.getValue());
            }
        }
        pooler.pools(Pools.of(next, chosen));
        int removed = 0;
        for (Map.Entry<PoolKey, Pool> e : old.byKey().entrySet()) {
            Pool now = chosen.get(e.getKey());
            if (now == e.getValue()) {
                continue;
            }
            e.getValue().retire(now);
            if (now == null) {
                removed++;
            } else {
                replaced++;
            }
        }
        int added = chosen.size() - kept - replaced;
        String summary = "kept " + kept + ", replaced " + replaced + ", added " + added + ", removed " + removed + " pool(s)";
        log.info("reloaded {} ({}): {}", path, why, summary);
        return new Outcome(true, summary);
    }

    private void warnAboutRestartOnly(GeneralConfig was, GeneralConfig now) {
        for (String key : List.of("host", "port", "prometheus_exporter_port", "enable_prometheus_exporter", "worker_threads",
                "tls_certificate", "tls_private_key", "tcp_keepalives_idle", "tcp_keepalives_count",
                "tcp_keepalives_interval", "tcp_user_timeout")) {
            String a = String.valueOf(value(was, key));
            String b = String.valueOf(value(now, key));
            if (!a.equals(b)) {
                log.warn("reload: general.{} changed ({} -> {}); it takes effect only after a restart", key, a, b);
            }
        }
    }

    private static Object value(GeneralConfig g, String key) {
        return switch (key) {
            case "host" -> g.host();
            case "port" -> g.port();
            case "prometheus_exporter_port" -> g.prometheusExporterPort();
            case "enable_prometheus_exporter" -> g.enablePrometheusExporter();
            case "worker_threads" -> g.workerThreads();
            case "tls_certificate" -> g.tlsCertificate();
            case "tcp_keepalives_idle" -> g.tcpKeepalivesIdle();
            case "tcp_keepalives_count" -> g.tcpKeepalivesCount();
            case "tcp_keepalives_interval" -> g.tcpKeepalivesInterval();
            case "tcp_user_timeout" -> g.tcpUserTimeout();
            default -> g.tlsPrivateKey();
        };
    }

    /** Size, modification time and content hash: what autoreload compares. */
    private String fingerprint() {
        if (path == null) {
            return null;
        }
        try {
            return Files.getLastModifiedTime(path).toMillis() + ":" + java.util.Arrays.hashCode(Files.readAllBytes(path));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** What a reload did, or why it did not happen. */
    public record Outcome(boolean ok, String message) {
    }

}
