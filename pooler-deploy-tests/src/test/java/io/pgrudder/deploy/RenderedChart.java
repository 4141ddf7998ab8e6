package io.pgrudder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** The output of {@code helm template} for charts/pgrudder, parsed into one node per object. */
record RenderedChart(String text, List<JsonNode> objects) {

    static final String RELEASE = "prod";
    static final String NAMESPACE = "db";
    /** The chart's fullname for release {@value #RELEASE}. */
    static final String FULLNAME = "prod-pgrudder";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Renders with the chart's defaults plus these values files, in order. */
    static RenderedChart render(Path... valuesFiles) {
        TemplateCommand template = new Helm(Checkout.chart()).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        return parse(template.call());
    }

    /** Renders with the defaults overridden by this values.yaml text (written to {@code dir}). */
    static RenderedChart renderWith(Path dir, String valuesYaml) {
        try {
            Path file = Files.createTempFile(dir, "values-", ".yaml");
            Files.writeString(file, valuesYaml);
            return render(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RenderedChart parse(String text) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc != null && doc.isObject() && doc.has("kind")) {
                    objects.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("helm rendered invalid YAML:\n" + text, e);
        }
        return new RenderedChart(text, List.copyOf(objects));
    }

    /** Every rendered object of this kind, in render order. */
    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    /** The object of this kind and name. */
    JsonNode named(String kind, String name) {
        return all(kind).stream().filter(o -> name.equals(o.at("/metadata/name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered; got:\n" + text));
    }

    Optional<JsonNode> find(String kind) {
        List<JsonNode> all = all(kind);
        if (all.size() > 1) {
            throw new AssertionError("more than one " + kind + " rendered");
        }
        return all.stream().findFirst();
    }

    JsonNode get(String kind) {
        return find(kind).orElseThrow(() -> new AssertionError("no " + kind + " rendered; got:\n" + text));
    }

    JsonNode deployment() {
        return get("Deployment");
    }

    JsonNode podSpec() {
        return deployment().at("/spec/template/spec");
    }

    JsonNode container() {
        return podSpec().at("/containers/0");
    }

    String configChecksum() {
        return deployment().at("/spec/template/metadata/annotations").path("checksum/config").asText();
    }

    /** pgcat.toml as mounted: from the ConfigMap, or else from the config Secret. */
    String pgcatToml() {
        Optional<JsonNode> configMap = find("ConfigMap");
        if (configMap.isPresent()) {
            return configMap.get().at("/data").path("pgcat.toml").asText();
        }
        String base64 = named("Secret", FULLNAME + "-config").at("/data").path("pgcat.toml").asText();
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** The JAVA_OPTS environment variable of the pooler's container. */
    String javaOpts() {
        for (JsonNode env : container().path("env")) {
            if ("JAVA_OPTS".equals(env.path("name").asText())) {
                return env.path("value").asText();
            }
        }
        throw new AssertionError("no JAVA_OPTS in " + container());
    }
}
