package io.pgrudder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.pgrudder.deploy.HelmChartTest.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pod's memory flags, the chart's extension points, its values schema and its alert rules. */
class ChartPodTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void heapPlusDirectMemoryStayUnderThreeQuartersOfTheLimit() {
        // 512Mi: heap 40% (204Mi) + direct 35% (179m) = 75%, ~128Mi for metaspace, code, stacks.
        String opts = RenderedChart.render().javaOpts();
        assertEquals("-XX:MaxRAMPercentage=40 -XX:MaxDirectMemorySize=179m -XX:+ExitOnOutOfMemoryError", opts);
        assertFalse(opts.contains("io.netty.maxDirectMemory"), "Netty follows MaxDirectMemorySize");

        assertEquals("-XX:MaxRAMPercentage=40 -XX:MaxDirectMemorySize=358m -XX:+ExitOnOutOfMemoryError",
                RenderedChart.render(Checkout.chart().resolve("values-ha.yaml")).javaOpts());
        assertTrue(RenderedChart.renderWith(tmp, "resources:\n  limits:\n    memory: 2G\n").javaOpts()
                .contains("-XX:MaxDirectMemorySize=667m"), "2G = 1907MiB, 35% = 667m");
        assertEquals("-XX:MaxRAMPercentage=40 -XX:+ExitOnOutOfMemoryError",
                RenderedChart.renderWith(tmp, "resources:\n  limits: null\n").javaOpts(), "no limit, no direct cap");
    }

    @Test
    void memoryPercentagesThatLeaveTooLittleFailTheRender() {
        Exception e = assertThrows(Exception.class, () -> RenderedChart.renderWith(tmp, """
                jvm:
                  maxRAMPercentage: 50
                  maxDirectMemoryPercentage: 50
                """));
        assertTrue(e.getMessage().contains("is over 80"), e::getMessage);

        Exception odd = assertThrows(Exception.class,
                () -> RenderedChart.renderWith(tmp, "resources:\n  limits:\n    memory: 0.5Gi\n"));
        assertTrue(odd.getMessage().contains("resources.limits.memory=\"0.5Gi\""), odd::getMessage);
    }

    @Test
    void extensionPointsArePassedThrough() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                extraVolumes:
                  - name: ca
                    secret: {secretName: pg-ca}
                extraVolumeMounts:
                  - name: ca
                    mountPath: /etc/pgrudder-ca
                extraContainers:
                  - name: exporter
                    image: busybox
                initContainers:
                  - name: wait-for-patroni
                    image: busybox
                command: ["/opt/pgrudder/bin/pgrudder"]
                args: ["--check", "/etc/pgrudder/pgcat.toml"]
                probes:
                  startup:
                    enabled: true
                podSecurityContext:
                  runAsUser: 20002
                securityContext:
                  readOnlyRootFilesystem: false
                """);
        JsonNode pod = chart.podSpec();
        JsonNode container = chart.container();

        assertEquals("ca", pod.at("/volumes/2/name").asText(), pod::toString);
        assertEquals("/etc/pgrudder-ca", container.at("/volumeMounts/2/mountPath").asText());
        assertEquals("exporter", pod.at("/containers/1/name").asText());
        assertEquals("wait-for-patroni", pod.at("/initContainers/0/name").asText());
        assertEquals(List.of("/opt/pgrudder/bin/pgrudder"), strings(container.path("command")));
        assertEquals(List.of("--check", "/etc/pgrudder/pgcat.toml"), strings(container.path("args")));
        assertEquals("/healthz", container.at("/startupProbe/httpGet/path").asText());
        assertEquals("metrics", container.at("/startupProbe/httpGet/port").asText());
        // Overrides merge key by key with the defaults.
        assertEquals(20002, pod.at("/securityContext/runAsUser").asInt());
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertFalse(container.at("/securityContext/readOnlyRootFilesystem").asBoolean(true));
        assertEquals(List.of("ALL"), strings(container.at("/securityContext/capabilities/drop")));

        JsonNode defaults = RenderedChart.render().container();
        assertTrue(defaults.path("command").isMissingNode());
        assertTrue(defaults.path("startupProbe").isMissingNode());
    }

    @Test
    void serviceAccountIsOptional() {
        RenderedChart defaults = RenderedChart.render();
        assertTrue(defaults.find("ServiceAccount").isEmpty());
        assertTrue(defaults.podSpec().path("serviceAccountName").isMissingNode());
        assertFalse(defaults.podSpec().path("automountServiceAccountToken").asBoolean(true));

        RenderedChart created = RenderedChart.renderWith(tmp, """
                serviceAccount:
                  create: true
                  annotations:
                    eks.amazonaws.com/role-arn: arn:aws:iam::1:role/pgrudder
                  automount: true
                """);
        JsonNode account = created.get("ServiceAccount");
        assertEquals(RenderedChart.FULLNAME, account.at("/metadata/name").asText());
        assertEquals("arn:aws:iam::1:role/pgrudder", account.at("/metadata/annotations").path("eks.amazonaws.com/role-arn").asText());
        assertEquals(RenderedChart.FULLNAME, created.podSpec().path("serviceAccountName").asText());
        assertTrue(created.podSpec().path("automountServiceAccountToken").asBoolean());

        RenderedChart named = RenderedChart.renderWith(tmp, "serviceAccount:\n  name: shared\n");
        assertTrue(named.find("ServiceAccount").isEmpty());
        assertEquals("shared", named.podSpec().path("serviceAccountName").asText());
    }

    @Test
    void theSchemaRejectsTyposAndWrongTypes() {
        Exception typo = assertThrows(Exception.class, () -> RenderedChart.renderWith(tmp, "replicaCont: 3\n"));
        assertTrue(typo.getMessage().contains("replicaCont"), typo::getMessage);

        Exception type = assertThrows(Exception.class, () -> RenderedChart.renderWith(tmp, "replicaCount: two\n"));
        assertTrue(type.getMessage().contains("replicaCount"), type::getMessage);

        Exception create = assertThrows(Exception.class,
                () -> RenderedChart.renderWith(tmp, "configSecret:\n  create: sometimes\n"));
        assertTrue(create.getMessage().contains("create"), create::getMessage);
    }

    @Test
    void theSchemaCoversEveryValue() throws IOException {
        JsonNode values = YAML.readTree(Checkout.chart().resolve("values.yaml").toFile());
        JsonNode schema = JSON.readTree(Checkout.chart().resolve("values.schema.json").toFile());
        List<String> missing = new ArrayList<>();
        uncovered("", values, schema, missing);
        assertEquals(List.of(), missing, "values.yaml keys values.schema.json does not describe");
    }

    /** Keys of {@code values} with no property in {@code schema}, unless the schema leaves that object open. */
    private static void uncovered(String path, JsonNode values, JsonNode schema, List<String> missing) {
        if (!values.isObject() || !schema.has("properties")) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode property = schema.path("properties").path(field.getKey());
            if (property.isMissingNode()) {
                missing.add(path + field.getKey());
            } else {
                uncovered(path + field.getKey() + ".", field.getValue(), property, missing);
            }
        }
    }

    @Test
    void alertRulesAreMonitoringsOwnAndSayNoLeaderAfter30s() throws IOException {
        // One set of rules: monitoring/alerts.yaml (whose every metric MonitoringFilesIT finds on a
        // running pooler's /metrics) is what the chart's PrometheusRule carries, byte for byte.
        assertEquals(Files.readString(Checkout.root().resolve("monitoring/alerts.yaml")),
                Files.readString(Checkout.chart().resolve("files/alerts.yaml")),
                "charts/pgrudder/files/alerts.yaml is a copy of monitoring/alerts.yaml: cp monitoring/alerts.yaml charts/pgrudder/files/");
        JsonNode rules = YAML.readTree(Checkout.chart().resolve("files/alerts.yaml").toFile()).at("/groups/0/rules");
        JsonNode noLeader = null;
        for (JsonNode r : rules) {
            if (r.path("alert").asText().equals("PgrudderNoPatroniLeader")) {
                noLeader = r;
            }
        }
        assertTrue(noLeader != null, "a no-leader alert");
        assertEquals("30s", noLeader.path("for").asText());
    }
}
