package io.pgrudder.patroni;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads Patroni's {@code /cluster} and {@code /patroni} JSON (3.x and 4.x). Lenient about
 * fields it does not need, strict about the ones it routes by: a missing {@code members},
 * member {@code name}/{@code role}/{@code state}, or {@code /patroni} {@code role}/{@code state}
 * makes the whole answer a bad response.
 */
public final class PatroniJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int EXCERPT = 60;

    private PatroniJson() {
    }

    public static ClusterView parseCluster(String body) throws PatroniJsonException {
        JsonNode root = parseObject(body);
        JsonNode members = root.get("members");
        if (members == null || !members.isArray()) {
            throw new PatroniJsonException("no members array");
        }
        List<ClusterView.Entry> entries = new ArrayList<>();
        for (JsonNode m : members) {
            if (!m.isObject()) {
                throw new PatroniJsonException("member is not an object");
            }
            JsonNode tags = m.path("tags");
            entries.add(new ClusterView.Entry(
                    requiredText(m, "name"),
                    requiredText(m, "role"),
                    requiredText(m, "state"),
                    optionalText(m, "host"),
                    m.path("port").canConvertToInt() && m.path("port").isNumber()
                            ? Optional.of(m.get("port").asInt()) : Optional.empty(),
                    optionalText(m, "api_url").flatMap(PatroniJson::hostOf),
                    m.path("timeline").asLong(0),
                    lag(m.get("lag")),
                    tag(tags, "noloadbalance"),
                    tag(tags, "nofailover")));
        }
        return new ClusterView(optionalText(root, "scope"), root.path("pause").asBoolean(false), entries);
    }

    public static NodeStatus parseNodeStatus(String body) throws PatroniJsonException {
        JsonNode root = parseObject(body);
        JsonNode patroni = root.path("patroni");
        JsonNode tags = root.path("tags");
        return new NodeStatus(
                requiredText(root, "role"),
                requiredText(root, "state"),
                root.path("timeline").asLong(0),
                root.path("pause").asBoolean(false),
                optionalText(patroni, "name"),
                optionalText(patroni, "scope"),
                tag(tags, "noloadbalance"),
                tag(tags, "nofailover"));
    }

    /**
     * How far a member's WAL goes by its own {@code /patroni}: a primary's {@code xlog.location}
     * (its {@code pg_current_wal_lsn()}), a replica's {@code xlog.received_location} (what its
     * walreceiver has flushed; Patroni gives the replayed position there when nothing was received
     * since start), as bytes from {@code 0/0}. Empty when the answer has neither (PostgreSQL not
     * running, or Patroni could not ask it).
     */
    public static OptionalLong walPosition(String body) throws PatroniJsonException {
        JsonNode xlog = parseObject(body).path("xlog");
        for (String field : new String[] {"location", "received_location", "replayed_location"}) {
            JsonNode value = xlog.get(field);
            if (value != null && value.isIntegralNumber() && value.asLong() >= 0) {
                return OptionalLong.of(value.asLong());
            }
        }
        return OptionalLong.empty();
    }

    private static JsonNode parseObject(String body) throws PatroniJsonException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new PatroniJsonException("not JSON: " + excerpt(body));
        }
        if (root == null || !root.isObject()) {
            throw new PatroniJsonException("not a JSON object: " + excerpt(body));
        }
        return root;
    }

    /** {@code lag} is bytes as a number, or the string {@code "unknown"}, or absent (leader). */
    private static Optional<Long> lag(JsonNode lag) {
        if (lag != null && lag.isIntegralNumber() && lag.asLong() >= 0) {
            return Optional.of(lag.asLong());
        }
        return Optional.empty();
    }

    /** Patroni accepts tags as booleans or as strings such as "true"/"on"/"yes". */
    private static boolean tag(JsonNode tags, String name) {
        return truthy(tags.get(name));
    }

    /** A boolean as Patroni reads one (patroni/utils.py {@code parse_bool}, a bool or a word); absent is false. */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        String text = value.asText().trim().toLowerCase(Locale.ROOT);
        return text.equals("true") || text.equals("on") || text.equals("yes") || text.equals("1");
    }

    private static String requiredText(JsonNode node, String field) throws PatroniJsonException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new PatroniJsonException("no " + field);
        }
        return value.asText();
    }

    private static Optional<String> optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty()
                ? Optional.of(value.asText()) : Optional.empty();
    }

    private static Optional<String> hostOf(String url) {
        try {
            return Optional.ofNullable(java.net.URI.create(url).getHost());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String excerpt(String body) {
        String flat = body.replaceAll("\\s+", " ").strip();
        return flat.length() <= EXCERPT ? '"' + flat + '"' : '"' + flat.substring(0, EXCERPT) + "...\"";
    }
}
