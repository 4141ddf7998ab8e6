package io.pgrudder.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Just enough of a Kubernetes API server for Helm's client: discovery (/version, /api, /apis,
 * one resource list per group version) for the kinds the chart renders, optionally with the
 * Prometheus operator's monitoring.coreos.com/v1, and 404 for every object. Helm's own
 * {@code .Capabilities} then come from this discovery, the way a real cluster provides them
 * (helm-java has no {@code --api-versions}). Records the paths Helm asks for.
 */
final class FakeKubernetesApi implements AutoCloseable {

    private static final Map<String, List<String[]>> CORE_GROUPS = Map.of(
            "apps/v1", List.<String[]>of(new String[] {"deployments", "Deployment"}),
            "policy/v1", List.<String[]>of(new String[] {"poddisruptionbudgets", "PodDisruptionBudget"}));
    private static final List<String[]> MONITORING = List.of(
            new String[] {"servicemonitors", "ServiceMonitor"}, new String[] {"prometheusrules", "PrometheusRule"});
    private static final List<String[]> CORE_V1 = List.of(
            new String[] {"configmaps", "ConfigMap"}, new String[] {"secrets", "Secret"},
            new String[] {"services", "Service"}, new String[] {"serviceaccounts", "ServiceAccount"});

    private final HttpServer server;
    private final boolean monitoring;
    private final List<String> requested = new CopyOnWriteArrayList<>();

    FakeKubernetesApi(boolean withMonitoringApi) {
        this.monitoring = withMonitoringApi;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** A kubeconfig pointing at this server. */
    String kubeconfig() {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: fake
                    cluster: {server: "http://127.0.0.1:%d"}
                users:
                  - name: fake
                    user: {token: fake}
                contexts:
                  - name: fake
                    context: {cluster: fake, user: fake, namespace: %s}
                current-context: fake
                """.formatted(server.getAddress().getPort(), RenderedChart.NAMESPACE);
    }

    List<String> requested() {
        return List.copyOf(requested);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requested.add(exchange.getRequestMethod() + " " + path);
        String body = discovery(path);
        int status = body == null ? 404 : 200;
        if (body == null) {
            body = """
                    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",\
                    "message":"not found","reason":"NotFound","code":404}""";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private String discovery(String path) {
        switch (path) {
            case "/version":
                return "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\",\"platform\":\"linux/amd64\"}";
            case "/api":
                return "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                        + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}";
            case "/apis":
                String groups = groupVersions().stream().map(gv -> {
                    String group = gv.substring(0, gv.indexOf('/'));
                    String version = "{\"groupVersion\":\"" + gv + "\",\"version\":\"v1\"}";
                    return "{\"name\":\"" + group + "\",\"versions\":[" + version + "],\"preferredVersion\":" + version + "}";
                }).collect(Collectors.joining(","));
                return "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + groups + "]}";
            case "/api/v1":
                return resources("v1", CORE_V1);
            default:
                for (String gv : groupVersions()) {
                    if (path.equals("/apis/" + gv)) {
                        return resources(gv, gv.startsWith("monitoring.") ? MONITORING : CORE_GROUPS.get(gv));
                    }
                }
                return null;
        }
    }

    private List<String> groupVersions() {
        return monitoring ? List.of("apps/v1", "policy/v1", "monitoring.coreos.com/v1") : List.of("apps/v1", "policy/v1");
    }

    private static String resources(String groupVersion, List<String[]> kinds) {
        String list = kinds.stream().map(k -> "{\"name\":\"" + k[0] + "\",\"singularName\":\"\",\"namespaced\":true,"
                + "\"kind\":\"" + k[1] + "\",\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]}")
                .collect(Collectors.joining(","));
        return "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" + groupVersion
                + "\",\"resources\":[" + list + "]}";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
