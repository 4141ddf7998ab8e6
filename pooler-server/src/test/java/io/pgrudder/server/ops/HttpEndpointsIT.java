package io.pgrudder.server.ops;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.server.PgrudderServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /healthz, /readyz and /metrics over real HTTP. */
@ExtendWith(PostgresExtension.class)
class HttpEndpointsIT {
    @Test
    void metricsCarryPgcatsNamesAndOurHistograms(PostgresServer postgres) throws Exception {
        OpsHarness harness = new OpsHarness(postgres, "enable_prometheus_exporter = true", 2);
        try (PgrudderServer server = harness.startInProcess()) {
            assertEquals(200, harness.get("/healthz").statusCode());
            assertEquals(200, harness.get("/readyz").statusCode());
            try (Connection c = harness.connect("testdb"); Statement st = c.createStatement()) {
                for (int i = 0; i < 3; i++) {
                    st.execute("SELECT 1");
                }
                try {
                    st.execute("SELECT * FROM no_such_table");
                } catch (SQLException expected) {
                    // counted as an error of class 42
                }
                HttpResponse<String> metrics = harness.get("/metrics");
                assertEquals(200, metrics.statusCode());
                assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
                String body = metrics.body();
                String labels = "{database=\"testdb\",host=\"" + postgres.host()
                        + "\",index=\"0\",pool=\"testdb\",role=\"primary\",shard=\"0\",username=\"md5user\"}";
                for (String name : new String[]{"pgcat_pools_cl_idle{pool=\"testdb\",user=\"md5user\"}",
                        "pgcat_pools_sv_idle{pool=\"testdb\",user=\"md5user\"}",
                        "pgcat_pools_maxwait_us{pool=\"testdb\",user=\"md5user\"}",
                        "pgcat_stats_total_query_count" + labels, "pgcat_stats_avg_query_time" + labels,
                        "pgcat_servers_bytes_sent" + labels, "pgcat_servers_is_paused" + labels,
                        "pgcat_databases_pool_size" + labels + " 2.0", "pgcat_databases_current_connections" + labels,
                        "pgrudder_query_duration_seconds_bucket", "pgrudder_checkout_wait_seconds_bucket",
                        "pgrudder_connections_opened_total{side=\"server\"}", "pgrudder_errors_total{sqlstate_class=\"42\"} 1.0",
                        "pgrudder_client_connections_max 10000.0", "jvm_memory_used_bytes"}) {
                    assertTrue(body.contains(name), name + " missing from\n" + body);
                }
                // The one client connected while scraping counts against max_client_conn.
                String open = body.lines().filter(l -> l.startsWith("pgrudder_client_connections "))
                        .findFirst().orElseThrow(() -> new AssertionError("pgrudder_client_connections missing"));
                assertTrue(Double.parseDouble(open.substring(open.lastIndexOf(' ') + 1)) >= 1, open);
                String line = body.lines().filter(l -> l.startsWith("pgcat_stats_total_query_count" + labels))
                        .findFirst().orElseThrow();
                assertTrue(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= 4, line);
            }
            assertEquals(404, harness.get("/nope").statusCode());
        } finally {
            harness.delete();
        }
    }

    @Test
    void healthAndReadinessAreOnEvenWithoutTheExporter(PostgresServer postgres) throws Exception {
        OpsHarness harness = new OpsHarness(postgres, "", 2);
        try (PgrudderServer server = harness.startInProcess()) {
            assertEquals(200, harness.get("/healthz").statusCode());
            assertEquals(200, harness.get("/readyz").statusCode());
            assertEquals(404, harness.get("/metrics").statusCode());
            server.operations().shutdown("test drain");
            assertEquals(503, harness.get("/readyz").statusCode());
            assertEquals(200, harness.get("/healthz").statusCode());
        } finally {
            harness.delete();
        }
    }
}
