package io.pgrudder.patroni.dcsscale;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The simulation's own watch of Patroni's {@code leader} key, on etcd's v3 JSON gateway with the
 * JDK's HTTP client (not pgrudder's code, so that it measures the pollers rather than shares their
 * path): {@code POST /v3/watch} of that one key, whose answer is one JSON message per line. Each
 * change is kept with the {@link System#nanoTime()} at which its line arrived.
 */
final class LeaderKeyWatch implements AutoCloseable {

    /** One change of the key: its new value (empty when deleted) and etcd's revision of it. */
    record Change(long arrivedNanos, Optional<String> leader, long modRevision) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> created = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;

    private LeaderKeyWatch() {
    }

    /** Watches {@code key} on {@code endpoint} ({@code host:port}); returns once etcd created the watch. */
    static LeaderKeyWatch start(String endpoint, String key) throws Exception {
        LeaderKeyWatch watch = new LeaderKeyWatch();
        String body = "{\"create_request\":{\"key\":\"" + base64(key) + "\"}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoint + "/v3/watch"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build()
                .sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(watch.new Lines()))
                .whenComplete((response, error) -> {
                    if (error != null) {
                        watch.created.completeExceptionally(error);
                    } else if (response.statusCode() != 200) {
                        watch.created.completeExceptionally(new IllegalStateException("etcd watch: HTTP "
                                + response.statusCode()));
                    }
                });
        watch.created.get(10, TimeUnit.SECONDS);
        return watch;
    }

    /** Every change seen so far, in order. */
    List<Change> changes() {
        return List.copyOf(changes);
    }

    /** The first change after index {@code from} that names {@code leader}, if one arrived. */
    Optional<Change> firstNaming(String leader, int from) {
        List<Change> all = changes();
        return all.subList(Math.min(from, all.size()), all.size()).stream()
                .filter(c -> c.leader().equals(Optional.of(leader))).findFirst();
    }

    @Override
    public void close() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    private void line(String line, long nanos) throws Exception {
        if (line.isBlank()) {
            return;
        }
        JsonNode result = JSON.readTree(line).path("result");
        if (result.path("created").asBoolean(false)) {
            created.complete(null);
        }
        for (JsonNode event : result.path("events")) {
            JsonNode kv = event.path("kv");
            boolean deleted = "DELETE".equals(event.path("type").asText("PUT"));
            String value = deleted ? null : new String(Base64.getDecoder().decode(kv.path("value").asText("")),
                    StandardCharsets.UTF_8);
            changes.add(new Change(nanos, Optional.ofNullable(value), kv.path("mod_revision").asLong()));
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The body, one line at a time, on the HTTP client's threads. */
    private final class Lines implements Flow.Subscriber<String> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String item) {
            long nanos = System.nanoTime();
            try {
                line(item, nanos);
            } catch (Exception e) {
                created.completeExceptionally(e);
                throw new IllegalStateException("etcd watch line is not JSON: " + item, e);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            created.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            created.completeExceptionally(new IllegalStateException("etcd ended the watch"));
        }
    }
}
