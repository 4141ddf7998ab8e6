package io.pgrudder.core.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.function.Predicate;

/**
 * Checks {@code [plugins]} / {@code [pools.NAME.plugins]} the way pgcat's parser would (the
 * plugin tables and their required keys), then ignores them: pgrudder has no plugins. Values are
 * not read, so pgcat's {@code ${DATABASE}} / {@code ${USER}} placeholders are left alone.
 */
final class PluginsReader {
    static final String IGNORED = "plugins are not supported by pgrudder and are ignored";

    private static final Predicate<JsonNode> BOOLEAN = JsonNode::isBoolean;
    private static final Predicate<JsonNode> STRING = JsonNode::isTextual;
    private static final Predicate<JsonNode> ARRAY = JsonNode::isArray;
    private static final Predicate<JsonNode> TABLE = JsonNode::isObject;

    private PluginsReader() {
    }

    static void read(TomlSection plugins) {
        for (String name : plugins.keys()) {
            switch (name) {
                case "intercept" -> plugin(plugins, name, Map.of("queries", TABLE));
                case "table_access" -> plugin(plugins, name, Map.of("tables", ARRAY));
                case "query_logger" -> plugin(plugins, name, Map.of());
                case "prewarmer" -> plugin(plugins, name, Map.of("queries", ARRAY));
                default -> {
                    // reported as unknown below
                }
            }
        }
        plugins.reportUnknownKeys();
    }

    private static void plugin(TomlSection plugins, String name, Map<String, Predicate<JsonNode>> keys) {
        TomlSection plugin = plugins.table(name);
        if (plugin == null) {
            return;
        }
        JsonNode enabled = require(plugin, "enabled", BOOLEAN, "true or false");
        keys.forEach((key, type) -> require(plugin, key, type, type == ARRAY ? "an array" : "a table"));
        if (name.equals("intercept")) {
            TomlSection queries = plugin.table("queries");
            if (queries != null) {
                for (String index : queries.keys()) {
                    TomlSection query = queries.table(index);
                    if (query != null) {
                        require(query, "query", STRING, "a string");
                        require(query, "schema", ARRAY, "an array");
                        require(query, "result", ARRAY, "an array");
                        query.reportUnknownKeys();
                    }
                }
            }
        }
        plugin.reportUnknownKeys();
        if (enabled != null && enabled.isBoolean() && enabled.booleanValue()) {
            plugins.problems().warning(plugin.path(), IGNORED);
        }
    }

    private static JsonNode require(TomlSection s, String key, Predicate<JsonNode> type, String expected) {
        JsonNode n = s.get(key);
        if (n == null) {
            s.problems().error(s.path(key), "required key is missing");
        } else if (!type.test(n)) {
            s.problems().error(s.path(key), "expected " + expected + ", got " + TomlSection.describe(n, false));
        }
        return n;
    }
}
