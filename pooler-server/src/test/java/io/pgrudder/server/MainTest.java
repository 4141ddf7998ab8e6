package io.pgrudder.server;

import io.pgrudder.server.logging.LogFormat;
import io.pgrudder.server.logging.LogOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void versionAndHelp() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().matches("pgrudder \\d+\\.\\d+\\.\\d+.*\\R"), out.toString());
        out.reset();
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("Usage: pgrudder [OPTIONS] [CONFIG.toml]"));
        assertTrue(out.toString().contains("--check"));
        assertTrue(out.toString().contains("-F, --log-format FORMAT") && out.toString().contains("-n, --no-color"), out.toString());
    }

    @Test
    void configPathIsTheFirstPositionalArgumentThenConfigFile() {
        Predicate<Path> none = p -> false;
        assertEquals(Path.of("/etc/x.toml"), CommandLine.parse(new String[]{}, Map.of("CONFIG_FILE", "/etc/x.toml"), none).configPath());
        assertEquals(Path.of("my.toml"), CommandLine.parse(new String[]{"my.toml"}, Map.of("CONFIG_FILE", "/etc/x.toml"), none).configPath());
        assertEquals(List.of(), CommandLine.parse(new String[]{"my.toml"}, Map.of(), none).notFound());
        assertEquals(CommandLine.Action.CHECK, CommandLine.parse(new String[]{"--check", "my.toml"}, Map.of()).action());
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[]{"--frobnicate"}, Map.of()));
        assertEquals(2, run("--frobnicate"));
    }

    @Test
    void withoutOneTheConfigIsPgcatsDefaultThenTheImagesThenPgcatsImages() {
        Path pgcat = Path.of("pgcat.toml");
        Path ours = Path.of("/etc/pgrudder/pgcat.toml");
        Path pgcatImage = Path.of("/etc/pgcat/pgcat.toml");
        assertEquals(pgcat, CommandLine.parse(new String[]{}, Map.of(), Set.of(pgcat, ours, pgcatImage)::contains).configPath());
        assertEquals(ours, CommandLine.parse(new String[]{}, Map.of(), Set.of(ours, pgcatImage)::contains).configPath());
        CommandLine podOfPgcat = CommandLine.parse(new String[]{"-F", "structured"}, Map.of(), Set.of(pgcatImage)::contains);
        assertEquals(pgcatImage, podOfPgcat.configPath());
        assertEquals(List.of(), podOfPgcat.notFound());
        // An explicit CONFIG_FILE is used even when it does not exist: its error names it.
        assertEquals(Path.of("/nope.toml"), CommandLine.parse(new String[]{}, Map.of("CONFIG_FILE", "/nope.toml"), Set.of(ours)::contains).configPath());

        CommandLine nothing = CommandLine.parse(new String[]{"--check"}, Map.of(), p -> false);
        assertEquals(List.of(pgcat, ours, pgcatImage), nothing.notFound());
    }

    @Test
    void noConfigAnywhereIsAnErrorNamingWhereItLooked() {
        assumeTrue(CommandLine.DEFAULT_CONFIGS.stream().noneMatch(Files::exists) && System.getenv("CONFIG_FILE") == null,
                "a default config or CONFIG_FILE exists on this machine");
        assertEquals(1, run("--check"));
        assertTrue(err.toString().contains("none of pgcat.toml, /etc/pgrudder/pgcat.toml, /etc/pgcat/pgcat.toml exists"), err.toString());
        out.reset();
        assertEquals(0, run("--version"), "--version needs no config");
    }

    @Test
    void pgcatsLoggingFlagsWinOverTheirEnvironmentVariables() {
        Predicate<Path> none = p -> false;
        LogOptions flags = CommandLine.parse(new String[]{"-l", "debug", "-F", "structured", "-n", "x.toml"},
                Map.of("LOG_LEVEL", "error", "LOG_FORMAT", "debug"), none).log();
        assertEquals(new LogOptions(Optional.of("DEBUG"), LogFormat.STRUCTURED, true), flags);

        LogOptions env = CommandLine.parse(new String[]{"x.toml"},
                Map.of("LOG_LEVEL", "warn", "LOG_FORMAT", "DEBUG", "NO_COLOR", "1"), none).log();
        assertEquals(new LogOptions(Optional.of("WARN"), LogFormat.DEBUG, true), env);

        LogOptions longForms = CommandLine.parse(new String[]{"--log-level=trace", "--log-format", "text", "--no-color"}, Map.of(), none).log();
        assertEquals(new LogOptions(Optional.of("TRACE"), LogFormat.TEXT, true), longForms);
        assertEquals(LogFormat.STRUCTURED, CommandLine.parse(new String[]{"-Fstructured"}, Map.of(), none).log().format());

        assertEquals(LogOptions.DEFAULT, CommandLine.parse(new String[]{}, Map.of(), none).log());
        // pgcat reads NO_COLOR as a boolean; no-color.org as "set and not empty".
        for (String off : List.of("", "false", "0", "no", "OFF")) {
            assertFalse(CommandLine.parse(new String[]{}, Map.of("NO_COLOR", off), none).log().noColor(), off);
        }
        assertTrue(CommandLine.parse(new String[]{}, Map.of("NO_COLOR", "true"), none).log().noColor());
    }

    @Test
    void colorOnlyForTextOnATerminalWithoutNoColor() {
        LogOptions text = LogOptions.DEFAULT;
        assertEquals("true", text.systemProperties(true).get(LogOptions.COLOR_PROPERTY));
        assertEquals("false", text.systemProperties(false).get(LogOptions.COLOR_PROPERTY));
        assertEquals("false", new LogOptions(Optional.empty(), LogFormat.TEXT, true).systemProperties(true).get(LogOptions.COLOR_PROPERTY));
        assertEquals("false", new LogOptions(Optional.empty(), LogFormat.STRUCTURED, false).systemProperties(true).get(LogOptions.COLOR_PROPERTY));
        assertEquals("structured", new LogOptions(Optional.empty(), LogFormat.STRUCTURED, false).systemProperties(false).get(LogOptions.FORMAT_PROPERTY));
        assertFalse(text.systemProperties(false).containsKey(LogOptions.LEVEL_PROPERTY), "no level given: logback.xml keeps its default");
        assertEquals("DEBUG", new LogOptions(Optional.of("DEBUG"), LogFormat.TEXT, false).systemProperties(false).get(LogOptions.LEVEL_PROPERTY));
    }

    @Test
    void badLoggingValuesExitTwoNamingWhereTheyCameFrom() {
        Predicate<Path> none = p -> false;
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(new String[]{"-F", "json"}, Map.of(), none));
        assertEquals("-F/--log-format: unknown log format 'json' (text, structured or debug)", flag.getMessage());
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(new String[]{}, Map.of("LOG_LEVEL", "verbose"), none));
        assertEquals("LOG_LEVEL: unknown log level 'verbose' (ERROR, WARN, INFO, DEBUG or TRACE)", env.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[]{"-l"}, Map.of(), none));
        // The flag wins, so a bad variable it overrides is never read.
        assertEquals(LogFormat.TEXT, CommandLine.parse(new String[]{"-F", "text"}, Map.of("LOG_FORMAT", "xml"), none).log().format());

        assertEquals(2, run("--log-format", "xml", "--version"));
        assertTrue(err.toString().contains("unknown log format 'xml'"), err.toString());
        assertTrue(err.toString().contains("Try 'pgrudder --help'."), err.toString());
    }

    @Test
    void checkAcceptsAValidConfigAndWarnsAboutUnknownKeys(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("pgcat.toml");
        Files.writeString(config, """
                [general]
                admin_username = "admin"
                admin_password = "secret-admin-pw"
                prepared_statements = true

                [pools.app.users.0]
                username = "app"
                password = "secret-app-pw"
                pool_size = 5

                [pools.app.shards.0]
                database = "app"
                servers = [["127.0.0.1", 5432, "primary"]]
                """);
        assertEquals(0, run("--check", config.toString()));
        assertTrue(err.toString().contains("general.prepared_statements is not a pgcat key"), err.toString());
        assertTrue(out.toString().contains("OK"));
        assertFalse((out + err.toString()).contains("secret-"), "no secret in the output");
    }

    @Test
    void checkPrintsEveryProblemAndFails(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("pgcat.toml");
        Files.writeString(config, """
                [general]
                port = "abc"
                admin_username = "admin"
                admin_password = "secret-admin-pw"

                [pools.app]
                pool_mode = "statement"

                [pools.app.users.0]
                username = "app"
                password = "secret-app-pw"
                pool_size = 5

                [pools.app.shards.0]
                database = "app"
                servers = [["127.0.0.1", 5432, "primary"]]
                """);
        assertEquals(1, run("--check", config.toString()));
        String problems = err.toString();
        assertTrue(problems.contains("general.port"), problems);
        assertTrue(problems.contains("pools.app.pool_mode"), problems);
        assertFalse(problems.contains("secret-"), "no secret in the output");
    }

    @Test
    void aMissingConfigFileIsAnError(@TempDir Path dir) {
        assertEquals(1, run("--check", dir.resolve("nope.toml").toString()));
        assertTrue(err.toString().contains("nope.toml"), err.toString());
    }
}
