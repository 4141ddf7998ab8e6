package io.pgrudder.core.config;

import java.util.Objects;

/**
 * One problem found in a configuration file, named by its full key path
 * (for example {@code pools.mydb.users.0.pool_size}). Never carries a secret value.
 */
public record ConfigProblem(Severity severity, String path, String message) {

    public enum Severity {
        /** The file cannot be used. */
        ERROR,
        /** The file is usable; something in it is ignored or suspicious. */
        WARNING
    }

    public ConfigProblem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    public static ConfigProblem error(String path, String message) {
        return new ConfigProblem(Severity.ERROR, path, message);
    }

    public static ConfigProblem warning(String path, String message) {
        return new ConfigProblem(Severity.WARNING, path, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /**
     * {@code path: message}; a message that already starts with its path (such as
     * {@code general.foo is not a pgcat key}) is printed as is.
     */
    @Override
    public String toString() {
        if (path.isEmpty() || message.startsWith(path + " ")) {
            return message;
        }
        return path + ": " + message;
    }
}
