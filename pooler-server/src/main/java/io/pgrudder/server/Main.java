package io.pgrudder.server;

import io.pgrudder.core.config.ConfigException;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.ConfigProblem;
import io.pgrudder.core.config.PoolerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * {@code pgrudder [OPTIONS] [CONFIG.toml]}: like pgcat, the config path is the first positional
 * argument (else {@code CONFIG_FILE}, else the first of {@link CommandLine#DEFAULT_CONFIGS} that
 * exists), with pgcat's logging flags. Also {@code --check}, {@code --version}, {@code --help}.
 * A usage error exits 2, a config that is missing or invalid 1.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli;
        try {
            cli = CommandLine.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("pgrudder: " + e.getMessage());
            err.println("Try 'pgrudder --help'.");
            return 2;
        }
        switch (cli.action()) {
            case HELP -> {
                out.print(CommandLine.USAGE);
                return 0;
            }
            case VERSION -> {
                out.println("pgrudder " + version());
                return 0;
            }
            default -> {
                if (!cli.notFound().isEmpty()) {
                    err.println("pgrudder: no config file given, and none of " + cli.notFound().stream()
                            .map(Path::toString).collect(Collectors.joining(", ")) + " exists");
                    err.println("Give its path as the first argument or in CONFIG_FILE.");
                    return 1;
                }
                // Before the first logger: logback reads these properties when it starts.
                cli.log().systemProperties(System.console() != null).forEach(System::setProperty);
                if (cli.action() == CommandLine.Action.CHECK) {
                    return check(cli.configPath(), out, err);
                }
                return PgrudderServer.runUntilStopped(cli.configPath());
            }
        }
    }

    private static int check(Path path, PrintStream out, PrintStream err) {
        try {
            PoolerConfig config = ConfigLoader.load(path, System.getenv());
            for (ConfigProblem warning : config.warnings()) {
                err.println("warning: " + warning);
            }
            out.println(path + ": OK (" + config.pools().size() + " pool(s))");
            return 0;
        } catch (ConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                err.println(problem.severity().name().toLowerCase() + ": " + problem);
            }
            err.println(path + ": invalid");
            return 1;
        }
    }

    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/pgrudder-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
