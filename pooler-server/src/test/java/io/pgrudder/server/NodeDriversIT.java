package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * node-postgres and knex (the stack NocoDB uses) through pgrudder in transaction mode, many app
 * connections on two server connections. The drivers come from the npm registry at test time.
 */
@ExtendWith(PostgresExtension.class)
class NodeDriversIT {
    private static final Path NODE_DIR = Path.of("target", "node-drivers");
    private PoolerHarness harness;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "transaction", "", 2, "connect_timeout = 10000");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void knexAndNodePostgresNamedQueriesWork() throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "node and npm are needed (Debian: nodejs npm)");
        Files.createDirectories(NODE_DIR);
        try (InputStream script = getClass().getResourceAsStream("/node/drivers.js")) {
            Files.copy(script, NODE_DIR.resolve("drivers.js"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/knex")) || !Files.isDirectory(NODE_DIR.resolve("node_modules/pg"))) {
            Result install = run(List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "pg@8", "knex@3"), 300);
            assertEquals(0, install.exit, install.output);
        }
        ProcessBuilder pb = new ProcessBuilder("node", "drivers.js").directory(NODE_DIR.toFile()).redirectErrorStream(true);
        pb.environment().put("PGRUDDER_PORT", String.valueOf(harness.port));
        pb.environment().put("PGRUDDER_USER", "scramuser");
        pb.environment().put("PGRUDDER_PASSWORD", "scrampass");
        pb.environment().put("PGRUDDER_DATABASE", "testdb");
        Result drivers = run(pb, 180);
        assertEquals(0, drivers.exit, drivers.output);
        assertTrue(drivers.output.contains("ALL OK"), drivers.output);
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int seconds) throws Exception {
        return run(new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true), seconds);
    }

    /** Output goes to a file, so a hung script ends in the timeout rather than in a read that never returns. */
    private static Result run(ProcessBuilder pb, int seconds) throws Exception {
        Path log = Files.createTempFile(NODE_DIR, "run", ".log");
        Process p = pb.redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        if (!ended) {
            throw new AssertionError("timed out after " + seconds + " s: " + pb.command() + "\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private static boolean onPath(String tool) {
        try {
            return new ProcessBuilder(tool, "--version").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
