package io.pgrudder.core.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A TOML table read key by key. Every read names the key as known; every problem is reported
 * with the full key path; {@link #reportUnknownKeys()} warns about the keys nobody read.
 * A value that cannot be used yields the default (or null) after the error is recorded, so one
 * pass finds every problem. Values of secret keys never appear in a message.
 */
final class TomlSection {
    private final String path;
    private final JsonNode node;
    private final Problems problems;
    private final Set<String> known = new HashSet<>();

    TomlSection(String path, JsonNode node, Problems problems) {
        this.path = path;
        this.node = node;
        this.problems = problems;
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Problems problems() {
        return problems;
    }

    boolean has(String key) {
        return node.has(key);
    }

    List<String> keys() {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** Marks keys as known without reading them. */
    void accept(String... keys) {
        known.addAll(List.of(keys));
    }

    JsonNode get(String key) {
        known.add(key);
        return node.get(key);
    }

    void reportUnknownKeys() {
        for (String key : keys()) {
            if (!known.contains(key)) {
                problems.unknownKey(path(key));
            }
        }
    }

    // ---- strings

    String string(String key) {
        JsonNode n = get(key);
        return n == null ? null : string(path(key), n, false);
    }

    String string(String key, String defaultValue) {
        String s = string(key);
        return s != null ? s : defaultValue;
    }

    String secret(String key) {
        JsonNode n = get(key);
        return n == null ? null : string(path(key), n, true);
    }

    /** The string, or null after an error when missing or invalid. */
    String requiredString(String key, boolean secret) {
        JsonNode n = get(key);
        if (n == null) {
            problems.error(path(key), "required key is missing");
            return null;
        }
        return string(path(key), n, secret);
    }

    String string(String path, JsonNode n, boolean secret) {
        if (!n.isTextual()) {
            problems.error(path, "expected a string, got " + describe(n, secret));
            return null;
        }
        return problems.substitute(path, n.textValue());
    }

    // ---- integers

    Long integer(String key, long min, long max) {
        JsonNode n = get(key);
        return n == null ? null : integer(path(key), n, min, max, null, false);
    }

    long integer(String key, long min, long max, long defaultValue) {
        Long v = integer(key, min, max);
        return v != null ? v : defaultValue;
    }

    Long requiredInteger(String key, long min, long max) {
        JsonNode n = get(key);
        if (n == null) {
            problems.error(path(key), "required key is missing");
            return null;
        }
        return integer(path(key), n, min, max, null, false);
    }

    Long integer(String path, JsonNode n, long min, long max, String unit, boolean secret) {
        String expected = range(min, max) + (unit == null ? "" : " (" + unit + ")");
        long value;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            value = n.longValue();
        } else if (n.isTextual() && Problems.envReference(n.textValue()) != null) {
            String text = problems.substitute(path, n.textValue());
            if (text == null) {
                return null;
            }
            try {
                value = Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                // environment values may be secrets: name the variable, never echo its value
                problems.error(path, "expected " + expected + ", got a non-integer value from " + n.textValue());
                return null;
            }
        } else {
            problems.error(path, "expected " + expected + ", got " + describe(n, secret));
            return null;
        }
        if (value < min || value > max) {
            boolean fromEnv = n.isTextual();
            problems.error(path, "expected " + expected + ", got "
                    + (fromEnv ? "an out-of-range value from " + n.textValue() : secret ? "an integer" : value));
            return null;
        }
        return value;
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE) {
            return min == 0 ? "a non-negative integer" : "an integer of at least " + min;
        }
        return "an integer from " + min + " to " + max;
    }

    // ---- durations

    Duration duration(String key, ChronoUnit unit, long min) {
        JsonNode n = get(key);
        if (n == null) {
            return null;
        }
        Long v = integer(path(key), n, min, Long.MAX_VALUE, unitName(unit), false);
        return v == null ? null : Duration.of(v, unit);
    }

    Duration duration(String key, ChronoUnit unit, long min, Duration defaultValue) {
        Duration d = duration(key, unit, min);
        return d != null ? d : defaultValue;
    }

    Duration millis(String key, Duration defaultValue) {
        return duration(key, ChronoUnit.MILLIS, 0, defaultValue);
    }

    Duration millis(String key) {
        return duration(key, ChronoUnit.MILLIS, 0);
    }

    Duration seconds(String key, Duration defaultValue) {
        return duration(key, ChronoUnit.SECONDS, 0, defaultValue);
    }

    private static String unitName(ChronoUnit unit) {
        return unit == ChronoUnit.SECONDS ? "seconds" : "milliseconds";
    }

    // ---- booleans

    Boolean bool(String key) {
        JsonNode n = get(key);
        if (n == null) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual() && Problems.envReference(n.textValue()) != null) {
            String text = problems.substitute(path(key), n.textValue());
            if (text == null) {
                return null;
            }
            if (text.equals("true") || text.equals("false")) {
                return Boolean.valueOf(text);
            }
            problems.error(path(key), "expected true or false, got another value from " + n.textValue());
            return null;
        }
        problems.error(path(key), "expected true or false, got " + describe(n, false));
        return null;
    }

    boolean bool(String key, boolean defaultValue) {
        Boolean b = bool(key);
        return b != null ? b : defaultValue;
    }

    // ---- enumerations

    <E> E choice(String key, Choice<E> choice) {
        JsonNode n = get(key);
        return n == null ? null : choice(path(key), n, choice, "");
    }

    <E> E choice(String key, Choice<E> choice, E defaultValue) {
        E e = choice(key, choice);
        return e != null ? e : defaultValue;
    }

    <E> E choice(String path, JsonNode n, Choice<E> choice, String what) {
        String text = string(path, n, false);
        if (text == null) {
            return null;
        }
        E value = choice.parse(text);
        if (value == null) {
            problems.error(path, "expected " + what + choice.expected() + ", got " + quote(text));
        }
        return value;
    }

    // ---- tables

    /** The sub-table, or null when absent or (after an error) not a table. */
    TomlSection table(String key) {
        JsonNode n = get(key);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            problems.error(path(key), "expected a table, got " + describe(n, false));
            return null;
        }
        return new TomlSection(path(key), n, problems);
    }

    // ---- messages

    static String describe(JsonNode n, boolean secret) {
        if (n.isTextual()) {
            return secret ? "a string" : quote(n.textValue());
        }
        if (n.isBoolean()) {
            return secret ? "a boolean" : n.asText();
        }
        if (n.isIntegralNumber()) {
            return secret ? "an integer" : n.asText();
        }
        if (n.isNumber()) {
            return secret ? "a number" : n.asText();
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isObject()) {
            return "a table";
        }
        return n.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    static String quote(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
