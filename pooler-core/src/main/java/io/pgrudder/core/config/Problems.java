package io.pgrudder.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Collects the problems of one load and resolves {@code ${NAME}} values from the environment. */
final class Problems {
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final List<ConfigProblem> all = new ArrayList<>();
    private final Map<String, String> env;

    Problems(Map<String, String> env) {
        this.env = env;
    }

    void error(String path, String message) {
        all.add(ConfigProblem.error(path, message));
    }

    void warning(String path, String message) {
        all.add(ConfigProblem.warning(path, message));
    }

    void unknownKey(String path) {
        warning(path, path + " is not a pgcat key");
    }

    boolean hasErrors() {
        return all.stream().anyMatch(ConfigProblem::isError);
    }

    List<ConfigProblem> all() {
        return List.copyOf(all);
    }

    List<ConfigProblem> warnings() {
        return all.stream().filter(p -> !p.isError()).toList();
    }

    /** The name in {@code ${NAME}} when the whole value is such a reference, else null. */
    static String envReference(String text) {
        Matcher m = ENV_REFERENCE.matcher(text);
        return m.matches() ? m.group(1) : null;
    }

    /**
     * The value with a whole-value {@code ${NAME}} replaced by the environment variable; null
     * (and an error naming the path and the variable, never a value) when it is not set.
     */
    String substitute(String path, String text) {
        String name = envReference(text);
        if (name == null) {
            return text;
        }
        String value = env.get(name);
        if (value == null) {
            error(path, "environment variable " + name + " is not set");
        }
        return value;
    }
}
