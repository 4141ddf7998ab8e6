package io.pgrudder.server;

import java.nio.file.Path;
import java.util.Map;

/** The parsed command line. pgcat's {@code -l/--log-level} is accepted too. */
record CommandLine(Action action, Path configPath, String logLevel) {
    enum Action { RUN, CHECK, VERSION, HELP }

    static final String USAGE = """
            Usage: pgrudder [OPTIONS] [CONFIG.toml]

            A PostgreSQL connection pooler that reads pgcat.toml.

            Arguments:
              CONFIG.toml            config file (default: $CONFIG_FILE, else pgcat.toml)

            Options:
              --check CONFIG.toml    validate the config, print every problem, exit 1 on any error
              -l, --log-level LEVEL  ERROR, WARN, INFO (default), DEBUG or TRACE (also $LOG_LEVEL)
              -V, --version          print the version
              -h, --help             print this help
            """;

    static CommandLine parse(String[] args, Map<String, String> env) {
        Action action = Action.RUN;
        String config = null;
        String logLevel = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> action = Action.HELP;
                case "-V", "--version" -> action = action == Action.HELP ? action : Action.VERSION;
                case "--check" -> {
                    if (action == Action.RUN) {
                        action = Action.CHECK;
                    }
                }
                case "-l", "--log-level" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    logLevel = args[++i].toUpperCase();
                    if (!java.util.List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(logLevel)) {
                        throw new IllegalArgumentException("unknown log level " + args[i]);
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
        if (config == null) {
            config = env.getOrDefault("CONFIG_FILE", "pgcat.toml");
        }
        return new CommandLine(action, Path.of(config), logLevel);
    }
}
