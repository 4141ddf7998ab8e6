package io.pgrudder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How charts/pgrudder carries pgcat.toml: verbatim, in a ConfigMap or a Secret, and what it refuses. */
class ChartConfigTest {

    private static final String CONFIG_SECRET = RenderedChart.FULLNAME + "-config";

    @TempDir
    Path tmp;

    @Test
    void configIsVerbatimSoBracesInACommentRender() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                config: |
                  [general]
                  # a Jinja-ish note: {{ not a template }} and {{ .Release.Name }}
                  host = "0.0.0.0"
                  port = 6432
                  admin_username = "admin"
                  admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                """);

        assertTrue(chart.pgcatToml().contains("# a Jinja-ish note: {{ not a template }} and {{ .Release.Name }}"),
                chart::pgcatToml);
    }

    @Test
    void configTemplateOptsIntoTpl() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                configTemplate: true
                config: |
                  [general]
                  port = 6432
                  admin_username = "admin"
                  admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                  [pools.app.shards.0]
                  database = "app"
                  servers = [["{{ .Release.Name }}-postgres", 5432, "primary"]]
                """);

        assertTrue(chart.pgcatToml().contains("[[\"" + RenderedChart.RELEASE + "-postgres\", 5432, \"primary\"]]"),
                chart::pgcatToml);
    }

    @Test
    void aLoopbackListenHostFailsTheRenderNamingTheKey() {
        for (String host : new String[] {"127.0.0.1", "localhost", "::1", "127.0.1.1"}) {
            Exception e = assertThrows(Exception.class, () -> RenderedChart.renderWith(tmp, """
                    config: |
                      [general]
                      host = "%s"
                      port = 6432
                      admin_username = "admin"
                      admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                    """.formatted(host)), host);
            assertTrue(e.getMessage().contains("[general] host = \"" + host + "\" is a loopback address"), e::getMessage);
        }
    }

    @Test
    void loopbackServersInPoolsAreNotTheListenHost() {
        // A sidecar PostgreSQL at 127.0.0.1 and a host key outside [general] are fine.
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                config: |
                  [general]
                  host = "0.0.0.0"
                  port = 6432
                  admin_username = "admin"
                  admin_password = "${PGRUDDER_ADMIN_PASSWORD}"

                  [pools.app.shards.0]
                  host = "127.0.0.1"
                  database = "app"
                  servers = [["127.0.0.1", 5432, "primary"]]
                """);

        assertTrue(chart.pgcatToml().contains("127.0.0.1"));
    }

    @Test
    void aLiteralPasswordPutsTheConfigInASecretAndItsChecksumRollsThePods() {
        for (String key : new String[] {"password", "auth_query_password", "server_password", "admin_password"}) {
            String config = """
                    config: |
                      [general]
                      port = 6432
                      admin_username = "admin"
                      admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                      [pools.app.users.0]
                      username = "app"
                      %s = "s3cret"
                    """.formatted(key);
            RenderedChart chart = RenderedChart.renderWith(tmp, config);

            assertTrue(chart.find("ConfigMap").isEmpty(), () -> key + ": " + chart.text());
            JsonNode secret = chart.named("Secret", CONFIG_SECRET);
            assertEquals("Opaque", secret.path("type").asText());
            assertTrue(chart.pgcatToml().contains(key + " = \"s3cret\""), chart::pgcatToml);
            assertEquals(CONFIG_SECRET, volume(chart, "config").at("/secret/secretName").asText());
            assertTrue(volume(chart, "config").path("configMap").isMissingNode());
            assertTrue(chart.configChecksum().matches("[0-9a-f]{64}"), chart::configChecksum);

            RenderedChart rotated = RenderedChart.renderWith(tmp, config.replace("s3cret", "rotated"));
            assertNotEquals(chart.configChecksum(), rotated.configChecksum(), "a new password rolls the pods");
        }
    }

    @Test
    void environmentReferencesAndEmptyPasswordsKeepTheConfigMap() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                config: |
                  [general]
                  port = 6432
                  admin_username = "admin"
                  admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                  # password = "only a comment"
                  [pools.app.users.0]
                  username = "app"
                  password = '${APP_PASSWORD}'
                  server_password = ""
                """);

        assertTrue(chart.find("ConfigMap").isPresent(), chart::text);
        assertTrue(chart.all("Secret").isEmpty(), chart::text);
        assertEquals(RenderedChart.FULLNAME, volume(chart, "config").at("/configMap/name").asText());
    }

    @Test
    void configSecretCreateChoosesExplicitly() {
        RenderedChart always = RenderedChart.renderWith(tmp, "configSecret:\n  create: true\n");
        assertTrue(always.find("ConfigMap").isEmpty());
        assertTrue(always.pgcatToml().contains("shutdown_timeout = 60000"), always::pgcatToml);
        assertEquals(CONFIG_SECRET, volume(always, "config").at("/secret/secretName").asText());

        RenderedChart never = RenderedChart.renderWith(tmp, """
                configSecret:
                  create: false
                config: |
                  [general]
                  port = 6432
                  admin_username = "admin"
                  admin_password = "plain"
                """);
        assertTrue(never.find("ConfigMap").isPresent(), never::text);
        assertTrue(never.all("Secret").isEmpty());
    }

    @Test
    void anExistingConfigSecretIsMountedAndNothingIsRendered() {
        RenderedChart chart = RenderedChart.renderWith(tmp, """
                configSecret:
                  existingSecret: my-pgcat-toml
                """);

        assertTrue(chart.find("ConfigMap").isEmpty());
        assertTrue(chart.all("Secret").isEmpty());
        assertEquals("my-pgcat-toml", volume(chart, "config").at("/secret/secretName").asText());
        assertTrue(chart.configChecksum().isEmpty(), "the chart cannot see that Secret change");
        // The [general] keys it reads still come from `config`.
        assertEquals(80, chart.podSpec().path("terminationGracePeriodSeconds").asInt());
    }

    private static JsonNode volume(RenderedChart chart, String name) {
        for (JsonNode volume : chart.podSpec().path("volumes")) {
            if (name.equals(volume.path("name").asText())) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name + " in " + chart.podSpec());
    }
}
