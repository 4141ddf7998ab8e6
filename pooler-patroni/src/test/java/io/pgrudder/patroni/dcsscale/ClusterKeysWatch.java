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
 * The simulation's own watch of Patroni's keys under {@code <namespace>/<scope>/}, on etcd's v3
 * JSON gateway with the JDK's HTTP client (not pgrudder's code, so that it measures the pollers
 * rather than shares their path): {@code POST /v3/watch} of the prefix, whose answer is one JSON
 * message per line. Each change is kept with the {@link System#nanoTime()} at which its line
 * arrived: the {@code leader} key naming the new leader, and the new leader's {@code members/}
 * key saying it runs as primary (Patroni writes that at its next loop after the promotion).
 */
final class ClusterKeysWatch implements AutoCloseable {

    /** One change: the key below the prefix ({@code leader}, {@code members/node2}), its value (empty when deleted). */
    record Change(long arrivedNanos, String name, Optional<String> value, long modRevision) {
        @Override
        public String toString() {
            return name + "=" + value.orElse("(deleted)") + "@" + modRevision + "+" + arrivedNanos / 1_000_000 % 100_000;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String prefix;
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> created = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;

    private ClusterKeysWatch(String prefix) {
        this.prefix = prefix;
    }

    /** Watches every key under {@code prefix} on {@code endpoint} ({@code host:port}); returns once etcd created the watch. */
    static ClusterKeysWatch start(String endpoint, String prefix) throws Exception {
        ClusterKeysWatch watch = new ClusterKeysWatch(prefix);
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        String body = "{\"create_request\":{\"key\":\"" + base64(prefix.getBytes(StandardCharsets.UTF_8))
                + "\",\"range_end\":\"" + base64(end) + "\"}}";
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

    /** When the {@code leader} key first named {@code leader}; 0 if it has not. */
    long leaderNamed(String leader) {
        return changes.stream().filter(c -> c.name().equals("leader") && c.value().equals(Optional.of(leader)))
                .mapToLong(Change::arrivedNanos).findFirst().orElse(0);
    }

    /** When {@code member}'s own key first said it runs as primary (role master or primary); 0 if it has not. */
    long promoted(String member) {
        return changes.stream().filter(c -> c.name().equals("members/" + member) && c.value().isPresent())
                .filter(c -> {
                    try {
                        String role = JSON.readTree(c.value().get()).path("role").asText();
                        return role.equals("master") || role.equals("primary");
                    } catch (Exception notJson) {
                        return false;
                    }
                })
                .mapToLong(Change::arrivedNanos).findFirst().orElse(0);
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
            String key = decode(kv.path("key").asText(""));
            boolean deleted = "DELETE".equals(event.path("type").asText("PUT"));
            String value = deleted ? null : decode(kv.path("value").asText(""));
            changes.add(new Change(nanos, key.startsWith(prefix) ? key.substring(prefix.length()) : key,
                    Optional.ofNullable(value), kv.path("mod_revision").asLong()));
        }
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
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
