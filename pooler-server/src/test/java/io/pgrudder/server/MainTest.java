package io.pgrudder.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    }

    @Test
    void configPathIsTheFirstPositionalArgumentDefaultingToPgcatToml() {
        assertEquals(Path.of("pgcat.toml"), CommandLine.parse(new String[]{}, Map.of()).configPath());
        assertEquals(Path.of("/etc/x.toml"), CommandLine.parse(new String[]{}, Map.of("CONFIG_FILE", "/etc/x.toml")).configPath());
        assertEquals(Path.of("my.toml"), CommandLine.parse(new String[]{"my.toml"}, Map.of("CONFIG_FILE", "/etc/x.toml")).configPath());
        assertEquals(CommandLine.Action.CHECK, CommandLine.parse(new String[]{"--check", "my.toml"}, Map.of()).action());
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[]{"--frobnicate"}, Map.of()));
        assertEquals(2, run("--frobnicate"));
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
