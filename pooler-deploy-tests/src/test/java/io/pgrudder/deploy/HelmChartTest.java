package io.pgrudder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * charts/pgrudder, linted and rendered by Helm's own code (helm-java), and the rendered objects
 * checked against what a two-replica, zero-error rollout needs.
 */
class HelmChartTest {

    @TempDir
    Path tmp;

    @Test
    void lintsCleanInStrictMode() {
        LintResult lint = new Helm(Checkout.chart()).lint().strict().call();
        assertFalse(lint.isFailed(), () -> "helm lint --strict: " + lint.getMessages());
    }

    @Test
    void defaultsRunTwoReplicasThatRollOneAtATime() {
        JsonNode deployment = RenderedChart.render().deployment();

        assertEquals(2, deployment.at("/spec/replicas").asInt());
        assertEquals("RollingUpdate", deployment.at("/spec/strategy/type").asText());
        assertEquals(0, deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt());
        assertEquals(1, deployment.at("/spec/strategy/rollingUpdate/maxSurge").asInt());
        assertTrue(deployment.at("/spec/minReadySeconds").asInt() > 0, "minReadySeconds");
    }

    @Test
    void defaultAntiAffinityIsSoftSoTheSurgePodSchedulesOnOneOrTwoNodes() {
        // Hard anti-affinity with maxSurge 1 / maxUnavailable 0 on two nodes leaves the surge pod
        // Pending and the rollout stuck: the default only prefers different nodes.
        RenderedChart chart = RenderedChart.render();
        JsonNode preferred = chart.podSpec().at("/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution");

        assertEquals(1, preferred.size(), preferred::toString);
        assertEquals("kubernetes.io/hostname", preferred.at("/0/podAffinityTerm/topologyKey").asText());
        assertEquals(chart.deployment().at("/spec/selector/matchLabels"),
                preferred.at("/0/podAffinityTerm/labelSelector/matchLabels"));
        assertTrue(chart.podSpec().at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution").isMissingNode());
    }

    @Test
    void antiAffinityCanBeHardenedOrTurnedOff() {
        RenderedChart hard = RenderedChart.renderWith(tmp, "podAntiAffinity: hard\n");
        JsonNode terms = hard.podSpec().at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution");
        assertEquals(1, terms.size(), terms::toString);
        assertEquals("kubernetes.io/hostname", terms.at("/0/topologyKey").asText());
        // The label templates are rendered, and select exactly this release's pods.
        assertEquals(hard.deployment().at("/spec/selector/matchLabels"), terms.at("/0/labelSelector/matchLabels"));
        assertEquals(RenderedChart.RELEASE, terms.at("/0/labelSelector/matchLabels").path("app.kubernetes.io/instance").asText());
        assertTrue(hard.podSpec().at("/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution").isMissingNode());

        RenderedChart none = RenderedChart.renderWith(tmp, "podAntiAffinity: none\n");
        assertTrue(none.podSpec().path("affinity").isMissingNode(), none.podSpec()::toString);

        Exception e = assertThrows(Exception.class, () -> RenderedChart.renderWith(tmp, "podAntiAffinity: maybe\n"));
        // values.schema.json rejects it before the template's own check would.
        assertTrue(e.getMessage().contains("podAntiAffinity"), e::getMessage);
        assertTrue(e.getMessage().contains("hard"), e::getMessage);
    }

    @Test
    void ownAffinityReplacesThePresetAndTopologySpreadIsPassedThrough() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                affinity:
                  nodeAffinity:
                    requiredDuringSchedulingIgnoredDuringExecution:
                      nodeSelectorTerms:
                        - matchExpressions:
                            - {key: pool, operator: In, values: [db]}
                topologySpreadConstraints:
                  - maxSkew: 1
                    topologyKey: topology.kubernetes.io/zone
                    whenUnsatisfiable: DoNotSchedule
                """);

        JsonNode affinity = chart.podSpec().path("affinity");
        assertTrue(affinity.path("podAntiAffinity").isMissingNode(), affinity::toString);
        assertEquals("pool", affinity.at("/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/0/key").asText());
        assertEquals("topology.kubernetes.io/zone", chart.podSpec().at("/topologySpreadConstraints/0/topologyKey").asText());
        assertEquals("DoNotSchedule", chart.podSpec().at("/topologySpreadConstraints/0/whenUnsatisfiable").asText());
    }

    @Test
    void podDisruptionBudgetKeepsOneReplica() {
        JsonNode pdb = RenderedChart.render().get("PodDisruptionBudget");

        assertEquals("policy/v1", pdb.path("apiVersion").asText());
        assertEquals(1, pdb.at("/spec/minAvailable").asInt());
        assertTrue(pdb.at("/spec/maxUnavailable").isMissingNode());
        assertEquals(RenderedChart.render().deployment().at("/spec/selector/matchLabels"), pdb.at("/spec/selector/matchLabels"));
    }

    @Test
    void podDisruptionBudgetTakesMaxUnavailableInstead() {
        JsonNode pdb = RenderedChart.renderWith(tmp, """
                podDisruptionBudget:
                  minAvailable: null
                  maxUnavailable: 1
                """).get("PodDisruptionBudget");

        assertEquals(1, pdb.at("/spec/maxUnavailable").asInt());
        assertTrue(pdb.at("/spec/minAvailable").isMissingNode());
    }

    @Test
    void noPodDisruptionBudgetForASingleReplica() {
        assertTrue(RenderedChart.renderWith(tmp, "replicaCount: 1\n").find("PodDisruptionBudget").isEmpty());
    }

    @Test
    void probesHitReadyzAndHealthzOnTheMetricsPort() {
        JsonNode container = RenderedChart.render().container();

        assertEquals("/readyz", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("metrics", container.at("/readinessProbe/httpGet/port").asText());
        assertEquals("/healthz", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("metrics", container.at("/livenessProbe/httpGet/port").asText());
        assertEquals(9930, containerPort(container, "metrics"));
        assertEquals(6432, containerPort(container, "postgres"));
    }

    @Test
    void containerPortsFollowThePortsInPgcatToml() {
        JsonNode container = RenderedChart.renderWith(tmp, """
                config: |
                  [general]
                  # port = 1
                  port = 7432
                  prometheus_exporter_port = 9931
                  admin_username = "admin"
                  admin_password = "x"
                """).container();

        assertEquals(7432, containerPort(container, "postgres"));
        assertEquals(9931, containerPort(container, "metrics"));
    }

    @Test
    void preStopSleepsAndTheGracePeriodOutlastsTheDrain() {
        RenderedChart chart = RenderedChart.render();
        JsonNode preStop = chart.container().at("/lifecycle/preStop/exec/command");

        assertEquals(List.of("sleep", "5"), strings(preStop));
        // preStop 5 s + shutdown_grace_period 5 s + shutdown_timeout 60 s (the default config), 10 s to spare
        int grace = chart.podSpec().path("terminationGracePeriodSeconds").asInt();
        assertEquals(80, grace);
        assertTrue(grace > 5 + 5 + 60);
    }

    @Test
    void gracePeriodIsComputedFromShutdownTimeout() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                preStopSleepSeconds: 3
                config: |
                  [general]
                  port = 6432
                  admin_username = "admin"
                  admin_password = "x"
                  shutdown_timeout = 120000
                  shutdown_grace_period = 2500
                """);

        assertEquals(3 + 123 + 10, chart.podSpec().path("terminationGracePeriodSeconds").asInt());
    }

    @Test
    void tooShortAGracePeriodRefusesToRender() {
        Exception e = assertThrows(Exception.class, () -> RenderedChart.renderWith(tmp, "terminationGracePeriodSeconds: 30\n"));
        assertTrue(e.getMessage().contains("terminationGracePeriodSeconds=30 is too short"), e::getMessage);

        RenderedChart enough = RenderedChart.renderWith(tmp, "terminationGracePeriodSeconds: 75\n");
        assertEquals(75, enough.podSpec().path("terminationGracePeriodSeconds").asInt());
    }

    @Test
    void runsAsNonRootOnAReadOnlyRootFilesystemWithWritableTmp() {
        RenderedChart chart = RenderedChart.render();
        JsonNode pod = chart.podSpec().path("securityContext");
        JsonNode container = chart.container().path("securityContext");

        assertTrue(pod.path("runAsNonRoot").asBoolean());
        assertEquals(10001, pod.path("runAsUser").asInt());
        assertTrue(container.path("readOnlyRootFilesystem").asBoolean());
        assertFalse(container.path("allowPrivilegeEscalation").asBoolean(true));
        assertEquals(List.of("ALL"), strings(container.at("/capabilities/drop")));
        assertEquals("/tmp", mountPath(chart.container(), "tmp"));
        assertTrue(volume(chart.podSpec(), "tmp").has("emptyDir"));
        assertEquals("/etc/pgrudder", mountPath(chart.container(), "config"));
        assertEquals(List.of("/etc/pgrudder/pgcat.toml"), strings(chart.container().path("args")));
    }

    @Test
    void serviceExposesPostgresAndMetricsPorts() {
        JsonNode service = RenderedChart.render().get("Service");

        assertEquals(6432, servicePort(service, "postgres").path("port").asInt());
        assertEquals("postgres", servicePort(service, "postgres").path("targetPort").asText());
        assertEquals(9930, servicePort(service, "metrics").path("port").asInt());
        assertEquals("metrics", servicePort(service, "metrics").path("targetPort").asText());
    }

    @Test
    void serviceMonitorIsOffByDefaultAndNeedsTheOperatorsApi() {
        assertTrue(RenderedChart.render().find("ServiceMonitor").isEmpty());
        assertTrue(RenderedChart.render().find("PrometheusRule").isEmpty());

        // Enabled on a cluster without monitoring.coreos.com/v1 (helm-java renders with Helm's
        // default capabilities, which have no CRDs): nothing that would fail the install.
        RenderedChart enabled = RenderedChart.renderWith(tmp, """
                metrics:
                  serviceMonitor:
                    enabled: true
                  prometheusRule:
                    enabled: true
                """);
        assertTrue(enabled.find("ServiceMonitor").isEmpty(), enabled::text);
        assertTrue(enabled.find("PrometheusRule").isEmpty(), enabled::text);
    }

    @Test
    void configMapCarriesPgcatTomlAndItsChecksumRollsThePods() {
        RenderedChart first = RenderedChart.render();
        RenderedChart second = RenderedChart.render();
        assertEquals(first.text(), second.text(), "two renders of the same values must be byte-identical");
        assertTrue(first.configChecksum().matches("[0-9a-f]{64}"), first::configChecksum);
        assertTrue(first.pgcatToml().contains("shutdown_timeout = 60000"), first::pgcatToml);

        RenderedChart otherReplicas = RenderedChart.renderWith(tmp, "replicaCount: 3\n");
        assertEquals(first.configChecksum(), otherReplicas.configChecksum(), "only a config change rolls the pods");

        RenderedChart changed = RenderedChart.renderWith(tmp, """
                config: |
                  [general]
                  port = 6432
                  admin_username = "admin"
                  admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                  idle_timeout = 30000
                """);
        assertNotEquals(first.configChecksum(), changed.configChecksum());
        assertTrue(changed.pgcatToml().contains("idle_timeout = 30000"));
    }

    @Test
    void passwordsComeFromAChartManagedSecretAsEnvironment() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                secret:
                  values:
                    APP_PASSWORD: app-secret
                    PGRUDDER_ADMIN_PASSWORD: admin-secret
                """);

        JsonNode secret = chart.get("Secret");
        assertEquals(RenderedChart.FULLNAME, secret.at("/metadata/name").asText());
        assertEquals("YXBwLXNlY3JldA==", secret.at("/data/APP_PASSWORD").asText());
        assertEquals(RenderedChart.FULLNAME, chart.container().at("/envFrom/0/secretRef/name").asText());
        assertTrue(chart.deployment().at("/spec/template/metadata/annotations").has("checksum/secret"));
        assertTrue(chart.pgcatToml().contains("password = \"${APP_PASSWORD}\""), chart::pgcatToml);

        RenderedChart rotated = RenderedChart.renderWith(tmp, """
                secret:
                  values:
                    APP_PASSWORD: rotated
                    PGRUDDER_ADMIN_PASSWORD: admin-secret
                """);
        assertNotEquals(annotation(chart, "checksum/secret"), annotation(rotated, "checksum/secret"));
    }

    @Test
    void anExistingSecretIsReferencedNotCreated() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                secret:
                  existingSecret: pgrudder-passwords
                  values:
                    IGNORED: x
                """);

        assertTrue(chart.find("Secret").isEmpty());
        assertEquals("pgrudder-passwords", chart.container().at("/envFrom/0/secretRef/name").asText());
    }

    @Test
    void haValuesRenderTwoSpreadReplicasWithABudget() {
        RenderedChart chart = RenderedChart.render(Checkout.chart().resolve("values-ha.yaml"));

        assertEquals(2, chart.deployment().at("/spec/replicas").asInt());
        assertEquals("kubernetes.io/hostname", chart.podSpec()
                .at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/topologyKey").asText());
        assertEquals(RenderedChart.RELEASE, chart.podSpec()
                .at("/topologySpreadConstraints/0/labelSelector/matchLabels").path("app.kubernetes.io/instance").asText());
        // Only the pods of one ReplicaSet count, so a rollout's old pods do not skew the new ones.
        assertEquals(List.of("pod-template-hash"), strings(chart.podSpec().at("/topologySpreadConstraints/0/matchLabelKeys")));
        assertEquals(1, chart.get("PodDisruptionBudget").at("/spec/minAvailable").asInt());
        assertEquals(0, chart.deployment().at("/spec/strategy/rollingUpdate/maxUnavailable").asInt());
        assertEquals("pgrudder-passwords", chart.container().at("/envFrom/0/secretRef/name").asText());
        assertTrue(chart.find("ServiceMonitor").isEmpty(), "off in values-ha.yaml too");
        assertEquals(RenderedChart.render(Checkout.chart().resolve("values-ha.yaml")).text(), chart.text());
    }

    @Test
    void notesTellHowToConnectAndWhatIsMissing() {
        String defaults = notes();
        assertTrue(defaults.contains("host=" + RenderedChart.FULLNAME + "." + RenderedChart.NAMESPACE + ".svc port=6432"), defaults);
        assertTrue(defaults.contains("terminationGracePeriodSeconds=80"), defaults);
        assertTrue(defaults.contains("WARNING: no Secret is configured"), defaults);
        assertTrue(defaults.contains("max_connections must cover (replicas + surge) x pool_size"), defaults);
        assertFalse(defaults.contains("a rolling update needs"), "soft anti-affinity by default: " + defaults);

        String ha = notes(Checkout.chart().resolve("values-ha.yaml"));
        assertFalse(ha.contains("WARNING"), ha);
        assertTrue(ha.contains("a rolling update needs 3 schedulable"), ha);

        String monitored = notes(Checkout.chart().resolve("values-ha.yaml"), values(tmp, """
                metrics:
                  serviceMonitor:
                    enabled: true
                """));
        assertTrue(monitored.contains("the cluster serves no\nmonitoring.coreos.com/v1"), monitored);
    }

    private static Path values(Path dir, String yaml) {
        try {
            Path file = java.nio.file.Files.createTempFile(dir, "values-", ".yaml");
            java.nio.file.Files.writeString(file, yaml);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What {@code helm install} prints (client-only dry run: no cluster), NOTES.txt included. */
    private static String notes(Path... valuesFiles) {
        InstallCommand install = new Helm(Checkout.chart()).install()
                .withName(RenderedChart.RELEASE)
                .withNamespace(RenderedChart.NAMESPACE)
                .clientOnly()
                .dryRun();
        for (Path file : valuesFiles) {
            install = install.withValuesFile(file);
        }
        return install.call().getOutput();
    }

    @Test
    void everyObjectIsNamedAfterTheReleaseAndLabelled() {
        List<String> kinds = new ArrayList<>();
        for (JsonNode object : RenderedChart.render().objects()) {
            kinds.add(object.path("kind").asText());
            assertEquals(RenderedChart.FULLNAME, object.at("/metadata/name").asText(), object::toString);
            assertEquals(RenderedChart.RELEASE, object.at("/metadata/labels").path("app.kubernetes.io/instance").asText());
        }
        assertEquals(List.of("PodDisruptionBudget", "ConfigMap", "Service", "Deployment"), kinds);
    }

    private static String annotation(RenderedChart chart, String name) {
        return chart.deployment().at("/spec/template/metadata/annotations").path(name).asText();
    }

    private static int containerPort(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (name.equals(port.path("name").asText())) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port " + name + " in " + container);
    }

    private static JsonNode servicePort(JsonNode service, String name) {
        for (JsonNode port : service.at("/spec/ports")) {
            if (name.equals(port.path("name").asText())) {
                return port;
            }
        }
        throw new AssertionError("no service port " + name + " in " + service);
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (volume.equals(mount.path("name").asText())) {
                return mount.path("mountPath").asText();
            }
        }
        throw new AssertionError("no mount of " + volume + " in " + container);
    }

    private static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode volume : podSpec.path("volumes")) {
            if (name.equals(volume.path("name").asText())) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name + " in " + podSpec);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
