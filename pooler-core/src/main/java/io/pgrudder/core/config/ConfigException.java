package io.pgrudder.core.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration file that cannot be used. {@link #problems()} holds every problem found
 * (errors and warnings, in file order); the message lists them, one per line.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    public ConfigException(String source, List<ConfigProblem> problems) {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    public List<ConfigProblem> errors() {
        return problems.stream().filter(ConfigProblem::isError).collect(Collectors.toUnmodifiableList());
    }

    private static String message(String source, List<ConfigProblem> problems) {
        long errors = problems.stream().filter(ConfigProblem::isError).count();
        StringBuilder sb = new StringBuilder()
                .append("invalid configuration ").append(source).append(": ")
                .append(errors).append(errors == 1 ? " error" : " errors");
        for (ConfigProblem p : problems) {
            sb.append(System.lineSeparator())
                    .append("  ").append(p.isError() ? "error: " : "warning: ").append(p);
        }
        return sb.toString();
    }
}
