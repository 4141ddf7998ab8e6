package io.pgrudder.server.ops;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling update with zero failed queries: two pgrudder processes behind HAProxy (TCP, round
 * robin, health-checked on /readyz, standing in for the Kubernetes Service), a knex +
 * node-postgres pool and a JDBC pool driving a steady load with idle gaps; pgrudder #1 is
 * restarted (SIGTERM, wait for exit, start), then #2.
 */
@ExtendWith(PostgresExtension.class)
class RolloutIT {
    private static final String GENERAL = """
            shutdown_grace_period = 1000
            shutdown_timeout = 30000
            enable_prometheus_exporter = true
            """;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void rollingRestartCostsNoQuery(PostgresServer postgres) throws Exception {
        Assumptions.assumeTrue(onPath("haproxy"), "haproxy is not installed (apt-get install haproxy; .ci/run does)");
        Assumptions.assumeTrue(onPath("npm") && onPath("node"), "node/npm are not installed: the knex + pg half needs them");
        Path work = Files.createTempDirectory("pgrudder-rollout");
        installNodeDrivers(work);

        int lbPort = OpsHarness.freePort();
        OpsHarness one = new OpsHarness(postgres, GENERAL, 4);
        OpsHarness two = new OpsHarness(postgres, GENERAL, 4);
        Path log1 = work.resolve("pgrudder-1.log");
        Path log2 = work.resolve("pgrudder-2.log");
        List<Process> started = Collections.synchronizedList(new ArrayList<>());
        Process p1 = one.startProcess(log1);
        Process p2 = two.startProcess(log2);
        started.add(p1);
        started.add(p2);
        Process haproxy = null;
        Process node = null;
        Path stop = work.resolve("stop");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong jdbcOk = new AtomicLong();
        List<String> jdbcFailures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> jdbcWorkers = new ArrayList<>();
        try {
            one.awaitReady(Duration.ofSeconds(30));
            two.awaitReady(Duration.ofSeconds(30));
            Path cfg = work.resolve("haproxy.cfg");
            Files.writeString(cfg, haproxyConfig(lbPort, one, two));
            haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("haproxy.log").toFile()).start();
            awaitPort(lbPort, Duration.ofSeconds(10));
            Thread.sleep(1000); // both servers marked up

            ProcessBuilder nb = new ProcessBuilder("node", "load.js").directory(work.toFile())
                    .redirectError(work.resolve("node.err").toFile());
            nb.environment().put("PGHOST", "127.0.0.1");
            nb.environment().put("PGPORT", String.valueOf(lbPort));
            nb.environment().put("PGUSER", "md5user");
            nb.environment().put("PGPASSWORD", "md5pass");
            nb.environment().put("PGDATABASE", "testdb");
            nb.environment().put("WORKERS", "3");
            nb.environment().put("STOP_FILE", stop.toString());
            node = nb.start();

            JdbcPool pool = new JdbcPool(lbPort);
            for (int i = 0; i < 3; i++) {
                Thread t = new Thread(() -> jdbcLoad(pool, running, jdbcOk, jdbcFailures), "jdbc-load-" + i);
                t.start();
                jdbcWorkers.add(t);
            }
            Thread.sleep(2000);

            p1 = restart(p1, one, log1, started);
            Thread.sleep(1500); // HAProxy's rise checks bring #1 back
            p2 = restart(p2, two, log2, started);
            Thread.sleep(2000);

            running.set(false);
            for (Thread t : jdbcWorkers) {
                t.join(10_000);
            }
            pool.close();
            Files.writeString(stop, "stop");
            assertTrue(node.waitFor(20, TimeUnit.SECONDS), "node load stopped");
            // knex logs idle connections that pgrudder closed ("Connection ended unexpectedly"); that is
            // not a failed query. The result is the last line.
            String nodeAll = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String nodeOut = nodeAll.substring(nodeAll.lastIndexOf('\n') + 1);
            String nodeErr = Files.readString(work.resolve("node.err"));
            assertTrue(nodeOut.startsWith("{"), "node printed " + nodeOut + "\n" + nodeErr);
            long nodeOk = Long.parseLong(nodeOut.replaceAll(".*\"ok\":(\\d+).*", "$1"));
            long nodeFailed = Long.parseLong(nodeOut.replaceAll(".*\"failed\":(\\d+).*", "$1"));

            assertEquals(List.of(), jdbcFailures, "JDBC queries failed");
            assertEquals(0, nodeFailed, "knex queries failed: " + nodeOut);
            assertTrue(jdbcOk.get() > 100, "JDBC load ran: " + jdbcOk.get());
            assertTrue(nodeOk > 100, "knex load ran: " + nodeOut);
        } finally {
            running.set(false);
            Files.writeString(stop, "stop");
            if (node != null) {
                node.destroyForcibly();
            }
            if (haproxy != null) {
                haproxy.destroyForcibly();
            }
            for (Process p : started) {
                p.destroyForcibly();
            }
            one.delete();
            two.delete();
        }
    }

    /** What a rolling update does to one replica: SIGTERM, wait for it to exit, start it again. */
    private static Process restart(Process p, OpsHarness h, Path log, List<Process> started) throws Exception {
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "pgrudder exited after SIGTERM");
        assertEquals(0, p.exitValue(), "exit code after the drain");
        Process next = h.startProcess(log);
        started.add(next);
        h.awaitReady(Duration.ofSeconds(30));
        return next;
    }

    private static void jdbcLoad(JdbcPool pool, AtomicBoolean running, AtomicLong ok, List<String> failures) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int n = r.nextInt(10);
        while (running.get()) {
            try {
                Connection c = pool.borrow();
                boolean healthy = true;
                try (Statement st = c.createStatement()) {
                    if (r.nextInt(10) < 3) {
                        c.setAutoCommit(false);
                        st.execute("SELECT pg_sleep(0.005)");
                        st.execute("SELECT 2");
                        c.commit();
                        c.setAutoCommit(true);
                    } else {
                        try (ResultSet rs = st.executeQuery("SELECT 1")) {
                            rs.next();
                        }
                    }
                    ok.incrementAndGet();
                } catch (SQLException e) {
                    healthy = false;
                    failures.add(e.getSQLState() + " " + e.getMessage() + " at " + java.time.Instant.now()
                            + " (" + pool.lastBorrow.get() + ")");
                } finally {
                    pool.giveBack(c, healthy);
                }
                // Short gaps, and every tenth request a think time: each connection sits idle part of the time.
                Thread.sleep(++n % 10 == 0 ? 1300 + r.nextInt(400) : 20 + r.nextInt(60));
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                failures.add("connect: " + e.getSQLState() + " " + e.getMessage());
            }
        }
    }

    /**
     * A small JDBC pool with HikariCP's habits: a thread gets back the connection it used last
     * (Hikari's thread-local fast path), and a connection idle for more than 500 ms is checked
     * with isValid before it is handed out, and replaced when it is not.
     */
    private static final class JdbcPool {
        private final String url;
        private final List<Connection> all = Collections.synchronizedList(new ArrayList<>());
        private final ThreadLocal<Connection> mine = new ThreadLocal<>();
        private final ThreadLocal<Long> returnedNanos = ThreadLocal.withInitial(System::nanoTime);
        final ThreadLocal<String> lastBorrow = ThreadLocal.withInitial(() -> "");

        JdbcPool(int port) {
            url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
        }

        private Connection open() throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", "md5user");
            p.setProperty("password", "md5pass");
            p.setProperty("sslmode", "disable");
            p.setProperty("connectTimeout", "10");
            // Transaction pooling: no server-side named statements (as apps configure pgcat/PgBouncer).
            p.setProperty("prepareThreshold", "0");
            Connection c = DriverManager.getConnection(url, p);
            all.add(c);
            return c;
        }

        Connection borrow() throws SQLException {
            Connection c = mine.get();
            long idleNanos = System.nanoTime() - returnedNanos.get();
            lastBorrow.set("idle " + idleNanos / 1_000_000 + " ms");
            if (c == null || c.isClosed() || (idleNanos > 500_000_000L && !c.isValid(2))) {
                quietlyClose(c);
                c = open();
                mine.set(c);
            }
            return c;
        }

        void giveBack(Connection c, boolean healthy) {
            if (!healthy) {
                quietlyClose(c);
                mine.remove();
            }
            returnedNanos.set(System.nanoTime());
        }

        void close() {
            synchronized (all) {
                all.forEach(JdbcPool::quietlyClose);
            }
        }

        private static void quietlyClose(Connection c) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already gone
                }
            }
        }
    }

    private static String haproxyConfig(int lbPort, OpsHarness one, OpsHarness two) {
        return """
                global
                    maxconn 512
                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 120s
                    timeout server 120s
                    retries 3
                    option redispatch
                listen postgres
                    bind 127.0.0.1:%d
                    balance roundrobin
                    option httpchk GET /readyz
                    default-server inter 200ms fastinter 100ms downinter 200ms fall 1 rise 2
                    server pgrudder1 127.0.0.1:%d check port %d
                    server pgrudder2 127.0.0.1:%d check port %d
                """.formatted(lbPort, one.port, one.httpPort, two.port, two.httpPort);
    }

    private static void installNodeDrivers(Path dir) throws IOException, InterruptedException {
        try (InputStream in = RolloutIT.class.getResourceAsStream("/rollout/load.js")) {
            Files.copy(in, dir.resolve("load.js"));
        }
        Files.writeString(dir.resolve("package.json"), "{\"name\":\"pgrudder-rollout\",\"private\":true}");
        Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "pg@8", "knex@3")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("npm.log").toFile()).start();
        assertTrue(npm.waitFor(120, TimeUnit.SECONDS), "npm install finished");
        assertEquals(0, npm.exitValue(), "npm install pg knex: " + Files.readString(dir.resolve("npm.log")));
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void awaitPort(int port, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("port " + port + " not open");
    }
}
