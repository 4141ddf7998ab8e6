package io.pgrudder.patroni.dcsscale;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One reading of etcd's own Prometheus counters ({@code GET /metrics} on its client port). etcd
 * 3.4 serves its v3 JSON gateway by calling its own gRPC server, so every gateway request,
 * pgrudder's and Patroni's, is one gRPC call in {@code grpc_server_started_total}.
 *
 * @param samples every sample, keyed by {@code name{labels}} as etcd prints it
 */
record EtcdMetrics(Map<String, Double> samples) {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    static EtcdMetrics read(String endpoint) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("etcd /metrics: HTTP " + answer.statusCode());
        }
        Map<String, Double> samples = new HashMap<>();
        for (String line : answer.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String value = line.substring(space + 1);
            // Prometheus writes +Inf/-Inf where Java says Infinity; none of the counters read here is one.
            samples.put(line.substring(0, space), Double.parseDouble(value.replace("Inf", "Infinity")));
        }
        return new EtcdMetrics(samples);
    }

    /** The sum of the samples of metric {@code name} whose labels contain every one of {@code labels}. */
    double sum(String name, String... labels) {
        double total = 0;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String key = e.getKey();
            String metric = key.indexOf('{') < 0 ? key : key.substring(0, key.indexOf('{'));
            if (!metric.equals(name)) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= key.contains(label);
            }
            if (all) {
                total += e.getValue();
            }
        }
        return total;
    }

    /** gRPC calls started: every gateway request (a unary call, or a stream such as a watch). */
    double callsStarted() {
        return sum("grpc_server_started_total");
    }

    double rangeCalls() {
        return sum("grpc_server_started_total", "grpc_method=\"Range\"");
    }

    double watchStreamsStarted() {
        return sum("grpc_server_started_total", "grpc_method=\"Watch\"");
    }

    /** Messages etcd sent on watch streams (one per batch of events, per watcher, and the created/progress ones). */
    double watchMessagesSent() {
        return sum("grpc_server_msg_sent_total", "grpc_method=\"Watch\"");
    }
}
