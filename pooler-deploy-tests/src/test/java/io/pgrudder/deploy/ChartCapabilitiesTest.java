package io.pgrudder.deploy;

import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ServiceMonitor and PrometheusRule against a cluster's real discovery: a dry-run
 * {@code helm install} against {@link FakeKubernetesApi}, with and without the Prometheus
 * operator's API. Helm checks that no rendered object exists yet (one GET per object), so the
 * GETs show what was rendered.
 */
class ChartCapabilitiesTest {

    private static final String MONITOR = "GET /apis/monitoring.coreos.com/v1/namespaces/db/servicemonitors/" + RenderedChart.FULLNAME;
    private static final String RULE = "GET /apis/monitoring.coreos.com/v1/namespaces/db/prometheusrules/" + RenderedChart.FULLNAME;

    @TempDir
    Path tmp;

    @Test
    void monitoringObjectsRenderWhereTheClusterServesTheirApi() throws IOException {
        try (FakeKubernetesApi api = new FakeKubernetesApi(true)) {
            String notes = install(api, true);
            List<String> requested = api.requested();
            assertTrue(requested.contains(MONITOR), requested::toString);
            assertTrue(requested.contains(RULE), requested::toString);
            assertTrue(notes.contains("scraped through the ServiceMonitor"), notes);
        }
    }

    @Test
    void monitoringObjectsAreLeftOutWhereTheApiIsMissing() throws IOException {
        try (FakeKubernetesApi api = new FakeKubernetesApi(false)) {
            String notes = install(api, true);
            List<String> requested = api.requested();
            assertTrue(requested.stream().anyMatch(r -> r.contains("/deployments/" + RenderedChart.FULLNAME)), requested::toString);
            assertFalse(requested.stream().anyMatch(r -> r.contains("servicemonitors") || r.contains("prometheusrules")),
                    requested::toString);
            assertTrue(notes.contains("serves no\nmonitoring.coreos.com/v1"), notes);
        }
    }

    @Test
    void notEnabledNotRenderedEvenWithTheApi() throws IOException {
        try (FakeKubernetesApi api = new FakeKubernetesApi(true)) {
            install(api, false);
            List<String> requested = api.requested();
            assertTrue(requested.stream().anyMatch(r -> r.contains("/deployments/" + RenderedChart.FULLNAME)), requested::toString);
            assertFalse(requested.contains(MONITOR), requested::toString);
            assertFalse(requested.contains(RULE), requested::toString);
        }
    }

    private String install(FakeKubernetesApi api, boolean enabled) throws IOException {
        Path values = Files.createTempFile(tmp, "values-", ".yaml");
        Files.writeString(values, """
                metrics:
                  serviceMonitor:
                    enabled: %s
                  prometheusRule:
                    enabled: %s
                """.formatted(enabled, enabled));
        return new Helm(Checkout.chart()).install()
                .withName(RenderedChart.RELEASE)
                .withNamespace(RenderedChart.NAMESPACE)
                .withKubeConfigContents(api.kubeconfig())
                .withValuesFile(values)
                .disableOpenApiValidation()
                .dryRun()
                .call()
                .getOutput();
    }
}
