package io.pgrudder.server;

import io.pgrudder.server.logging.LogOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The parsed command line, with pgcat's flags and environment variables: the config path as the
 * first positional argument or {@code CONFIG_FILE}, {@code -l/--log-level} ({@code LOG_LEVEL}),
 * {@code -F/--log-format} ({@code LOG_FORMAT}), {@code -n/--no-color} ({@code NO_COLOR}). A flag
 * wins over its variable. A value flag takes its value as the next argument, after {@code =}
 * ({@code --log-format=structured}) or attached to the short form ({@code -Fstructured}).
 *
 * @param configPath the config to read: the one given, else the first of {@link #DEFAULT_CONFIGS}
 *                   that exists
 * @param notFound   when no config was given and none of {@link #DEFAULT_CONFIGS} exists, those
 *                   paths (for the error message); else empty
 */
record CommandLine(Action action, Path configPath, List<Path> notFound, LogOptions log) {
    enum Action { RUN, CHECK, VERSION, HELP }

    /**
     * Where the config is looked for when none is given, in order: pgcat's default (pgcat.toml in
     * the working directory), pgrudder's image path, and pgcat's image path, so that a pod spec
     * or volume written for pgcat's image ({@code /etc/pgcat}) works unchanged.
     */
    static final List<Path> DEFAULT_CONFIGS =
            List.of(Path.of("pgcat.toml"), Path.of("/etc/pgrudder/pgcat.toml"), Path.of("/etc/pgcat/pgcat.toml"));

    static final String USAGE = """
            Usage: pgrudder [OPTIONS] [CONFIG.toml]

            A PostgreSQL connection pooler that reads pgcat.toml.

            Arguments:
              CONFIG.toml              config file (default: $CONFIG_FILE, else the first that exists of
                                       ./pgcat.toml, /etc/pgrudder/pgcat.toml, /etc/pgcat/pgcat.toml)

            Options:
              --check CONFIG.toml      validate the config, print every problem, exit 1 on any error
              -l, --log-level LEVEL    ERROR, WARN, INFO (default), DEBUG or TRACE [env: LOG_LEVEL]
              -F, --log-format FORMAT  text (default), structured (one JSON object per line) or debug
                                       (with source file and line, whole stack traces) [env: LOG_FORMAT]
              -n, --no-color           no ANSI colors, which text and debug use only on a terminal
                                       [env: NO_COLOR]
              -V, --version            print the version
              -h, --help               print this help
            """;

    static CommandLine parse(String[] args, Map<String, String> env) {
        return parse(args, env, Files::exists);
    }

    static CommandLine parse(String[] args, Map<String, String> env, Predicate<Path> exists) {
        Action action = Action.RUN;
        String config = null;
        String logLevel = null;
        String logFormat = null;
        boolean noColor = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String[] value = new String[1];
            if (isValueFlag(arg, "-l", "--log-level", value)) {
                logLevel = value[0] != null ? value[0] : next(args, ++i, arg);
            } else if (isValueFlag(arg, "-F", "--log-format", value)) {
                logFormat = value[0] != null ? value[0] : next(args, ++i, arg);
            } else {
                switch (arg) {
                    case "-h", "--help" -> action = Action.HELP;
                    case "-V", "--version" -> action = action == Action.HELP ? action : Action.VERSION;
                    case "-n", "--no-color" -> noColor = true;
                    case "--check" -> {
                        if (action == Action.RUN) {
                            action = Action.CHECK;
                        }
                    }
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        if (config != null) {
                            throw new IllegalArgumentException("only one config file may be given, got " + config + " and " + arg);
                        }
                        config = arg;
                    }
                }
            }
        }
        LogOptions log = LogOptions.resolve(logLevel, logFormat, noColor, env);
        if (config == null && env.get("CONFIG_FILE") != null && !env.get("CONFIG_FILE").isBlank()) {
            config = env.get("CONFIG_FILE");
        }
        if (config != null) {
            return new CommandLine(action, Path.of(config), List.of(), log);
        }
        for (Path candidate : DEFAULT_CONFIGS) {
            if (exists.test(candidate)) {
                return new CommandLine(action, candidate, List.of(), log);
            }
        }
        return new CommandLine(action, DEFAULT_CONFIGS.get(0), DEFAULT_CONFIGS, log);
    }

    /** {@code -X}, {@code -Xvalue}, {@code --long} or {@code --long=value}; the attached value goes to {@code value[0]}. */
    private static boolean isValueFlag(String arg, String shortName, String longName, String[] value) {
        if (arg.equals(shortName) || arg.equals(longName)) {
            return true;
        }
        if (arg.startsWith(longName + "=")) {
            value[0] = arg.substring(longName.length() + 1);
            return true;
        }
        if (arg.startsWith(shortName) && !arg.startsWith("--")) {
            String rest = arg.substring(shortName.length());
            value[0] = rest.startsWith("=") ? rest.substring(1) : rest;
            return true;
        }
        return false;
    }

    private static String next(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
