package io.pgrudder.server.metrics;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.server.PgrudderServer;
import io.pgrudder.server.ops.OpsHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * monitoring/grafana-dashboard.json and monitoring/alerts.yaml only use metrics a running pooler
 * serves: every metric name in every PromQL expression of both files must be on /metrics (after
 * the traffic that makes the lazy ones appear: an error, a pinned client). Also: every family has
 * real HELP text, and the per-server series follow the Patroni leader.
 */
@ExtendWith(PostgresExtension.class)
class MonitoringFilesIT {
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset", "le", "inf", "nan");

    private FakePatroni patroni;
    private PgrudderServer server;
    private Path config;
    private int port;
    private int httpPort;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        patroni = new FakePatroni(postgres.port());
        port = OpsHarness.freePort();
        httpPort = OpsHarness.freeHttpPort();
        config = Files.createTempFile("pgrudder-monitoring", ".toml");
        Files.writeString(config, """
                [general]
                host = "127.0.0.1"
                port = %d
                enable_prometheus_exporter = true
                prometheus_exporter_port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 3000
                use_patroni_api = true
                patroni_api_port = %d
                patroni_poll_interval = 200

                [pools.testdb]
                pool_mode = "transaction"
                default_role = "primary"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 3

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["127.0.0.1", %d, "primary"], ["127.0.0.2", %d, "replica"]]
                """.formatted(port, httpPort, patroni.port(), postgres.port(), postgres.port()));
        server = PgrudderServer.start(ConfigLoader.load(config, Map.of()));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        patroni.close();
        Files.deleteIfExists(config);
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsUseIsServed() throws Exception {
        String metrics = awaitMetrics(m -> value(m, "pgrudder_patroni_has_leader", "testdb") == 1.0);
        try (Connection app = connect(); Statement st = app.createStatement()) {
            for (int i = 0; i < 5; i++) {
                st.execute("SELECT " + i);
            }
            try {
                st.execute("SELECT 1/0"); // pgrudder_errors_total appears with the first error
            } catch (SQLException expected) {
                // division by zero
            }
            st.execute("CREATE TEMP TABLE pin_me (x int)"); // a pinned client
            metrics = scrape();
        }
        Set<String> served = served(metrics);
        Path root = OpsHarness.repoRoot().resolve("monitoring");
        List<String> exprs = new ArrayList<>();
        Matcher json = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(Files.readString(root.resolve("grafana-dashboard.json")));
        while (json.find()) {
            exprs.add(json.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        int fromDashboard = exprs.size();
        Matcher yaml = Pattern.compile("(?m)^\\s*expr:\\s*(.+)$").matcher(Files.readString(root.resolve("alerts.yaml")));
        while (yaml.find()) {
            exprs.add(yaml.group(1));
        }
        assertTrue(fromDashboard > 20 && exprs.size() > fromDashboard + 5, "expressions found: " + exprs.size());
        Set<String> missing = new TreeSet<>();
        Set<String> used = new TreeSet<>();
        for (String e : exprs) {
            for (String name : metricNames(e)) {
                used.add(name);
                if (!served.contains(name)) {
                    missing.add(name + "   (in: " + e + ")");
                }
            }
        }
        assertTrue(used.contains("pgrudder_pinned_clients") && used.contains("pgrudder_checkout_wait_seconds_bucket")
                && used.contains("pgrudder_patroni_has_leader"), used.toString());
        assertTrue(missing.isEmpty(), "not on /metrics:\n" + String.join("\n", missing));
    }

    @Test
    void everyFamilyHasHelpTextThatIsNotItsName() throws Exception {
        String metrics = awaitMetrics(m -> value(m, "pgrudder_patroni_has_leader", "testdb") == 1.0);
        Matcher help = Pattern.compile("(?m)^# HELP (\\S+) (.*)$").matcher(metrics);
        int n = 0;
        while (help.find()) {
            String name = help.group(1);
            String text = help.group(2).strip();
            n++;
            assertFalse(text.isEmpty(), name);
            assertFalse(text.equalsIgnoreCase(name.replace('_', ' ')) || text.equals(name), name + ": " + text);
        }
        assertTrue(n > 40, n + " families");
        assertTrue(metrics.contains("pgrudder_build_info{"), "build info");
        assertTrue(metrics.contains("process_files_open_files"), "fds");
        assertTrue(metrics.contains("pgrudder_netty_direct_memory_used_bytes"), "direct memory");
    }

    @Test
    void perServerSeriesCarryTheRoleEachServerHasNow() throws Exception {
        String before = awaitMetrics(m -> value(m, "pgrudder_patroni_has_leader", "testdb") == 1.0);
        assertEquals("primary", role(before, "127.0.0.1"));
        assertEquals("replica", role(before, "127.0.0.2"));
        patroni.leader("pg2");
        String after = awaitMetrics(m -> "primary".equals(role(m, "127.0.0.2")));
        assertEquals("replica", role(after, "127.0.0.1"));
        assertTrue(after.contains("pgrudder_patroni_leader{host=\"127.0.0.2\",member=\"pg2\",pool=\"testdb\"} 1"), after);
    }

    @Test
    void perServerCountsDoNotGoBackWhenTheConnectionsClose() throws Exception {
        awaitMetrics(m -> value(m, "pgrudder_patroni_has_leader", "testdb") == 1.0);
        try (Connection app = connect(); Statement st = app.createStatement()) {
            for (int i = 0; i < 7; i++) {
                st.execute("SELECT " + i);
            }
        }
        String before = awaitMetrics(m -> hostValue(m, "pgcat_servers_query_count", "127.0.0.1") >= 7);
        double queries = hostValue(before, "pgcat_servers_query_count", "127.0.0.1");
        double bytes = hostValue(before, "pgcat_stats_total_received", "127.0.0.1");
        assertTrue(bytes > 0, before);
        Properties p = new Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", "admin-secret");
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgcat", p);
             Statement st = admin.createStatement()) {
            st.execute("RECONNECT testdb"); // closes every idle server connection
        }
        String after = awaitMetrics(m -> hostValue(m, "pgcat_servers_idle_count", "127.0.0.1") == 0);
        assertEquals(queries, hostValue(after, "pgcat_servers_query_count", "127.0.0.1"), after);
        assertEquals(bytes, hostValue(after, "pgcat_stats_total_received", "127.0.0.1"), after);
        assertTrue(hostValue(after, "pgcat_stats_total_query_time", "127.0.0.1") > 0, after);
    }

    private static double hostValue(String metrics, String family, String host) {
        Matcher m = Pattern.compile("(?m)^" + family + "\\{[^}]*host=\"" + Pattern.quote(host) + "\"[^}]*\\} (\\S+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** The role label of host's pgcat_servers_idle_count series, or null. */
    private static String role(String metrics, String host) {
        Matcher m = Pattern.compile("(?m)^pgcat_servers_idle_count\\{[^}]*host=\"" + Pattern.quote(host)
                + "\"[^}]*role=\"(\\w+)\"").matcher(metrics);
        return m.find() ? m.group(1) : null;
    }

    private static double value(String metrics, String family, String pool) {
        Matcher m = Pattern.compile("(?m)^" + family + "\\{[^}]*pool=\"" + pool + "\"[^}]*\\} (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // strings
                .replaceAll("\\{[^}]*}", "") // label matchers
                .replaceAll("\\[[^]]*]", "") // ranges
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "") // label lists
                .replaceAll("\\$\\w+", "");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?").matcher(e);
        while (m.find()) {
            String name = m.group(1);
            if (m.group(2) != null || PROMQL_WORDS.contains(name.toLowerCase()) || name.matches("\\d.*")
                    || (m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1)))) {
                continue; // a function, a keyword, or the exponent of 1e6
            }
            names.add(name);
        }
        return names;
    }

    private static Set<String> served(String metrics) {
        Set<String> names = new TreeSet<>();
        for (String line : metrics.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private String awaitMetrics(java.util.function.Predicate<String> ready) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = scrape();
            if (ready.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("metrics not as expected within 30s:\n" + last);
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "md5user");
        p.setProperty("password", "md5pass");
        p.setProperty("sslmode", "disable");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p);
    }
}
