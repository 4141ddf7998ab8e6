package io.pgrudder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Docker image ships, without Docker: {@code scripts/build-runtime} (the command the
 * Dockerfile's build stage runs) builds the jlink runtime and the image layout; the pooler is
 * started from {@code target/pgrudder-image/bin/pgcat} as pgcat's pod spec starts pgcat (with
 * {@code -F structured -n}), serves real queries, logs one JSON object per line, and exits 0 on
 * SIGTERM.
 */
@ExtendWith(PostgresExtension.class)
class RuntimeImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path image;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildRuntime(@TempDir Path logs) throws Exception {
        Path root = Checkout.root();
        Path log = logs.resolve("build-runtime.log");
        ProcessBuilder build = new ProcessBuilder(root.resolve("scripts/build-runtime").toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // The JDK running the tests has jlink and jmods; use it rather than whatever is on PATH.
        Path javaHome = Path.of(System.getProperty("java.home"));
        if (Files.isExecutable(javaHome.resolve("bin/jlink"))) {
            build.environment().put("JAVA_HOME", javaHome.toString());
        }
        Process process = build.start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "scripts/build-runtime took over 5 minutes");
        assertEquals(0, process.exitValue(), () -> "scripts/build-runtime failed:\n" + read(log));
        image = root.resolve("target/pgrudder-image");
    }

    @Test
    void layoutHasTheMinimalRuntimeTheJarsAndTheLaunchers() throws Exception {
        assertTrue(Files.isExecutable(image.resolve("runtime/bin/java")));
        assertTrue(Files.isExecutable(image.resolve("bin/pgrudder")));
        assertTrue(Files.isExecutable(image.resolve("bin/pgrudder-healthcheck")));
        assertTrue(Files.isRegularFile(image.resolve("lib/pooler-server.jar")));
        assertTrue(Files.isSymbolicLink(image.resolve("bin/pgcat")), "pgcat's command name");
        assertTrue(Files.isRegularFile(image.resolve("bin/jvm-options.sh")));
        for (String arch : List.of("x86_64", "aarch_64")) {
            try (var jars = Files.list(image.resolve("lib"))) {
                assertTrue(jars.anyMatch(j -> j.getFileName().toString().matches("netty-transport-native-epoll-.*-linux-" + arch + "\\.jar")),
                        "the epoll native jar for " + arch + " is shipped");
            }
        }

        Result modules = run(List.of(image.resolve("runtime/bin/java").toString(), "--list-modules"), Map.of());
        assertEquals(0, modules.exitCode);
        for (String needed : List.of("java.base@", "jdk.unsupported@", "jdk.crypto.ec@", "java.management@", "jdk.management@")) {
            assertTrue(modules.output.contains(needed), () -> needed + " missing from\n" + modules.output);
        }
        for (String unneeded : List.of("jdk.compiler@", "jdk.jshell@", "java.compiler@")) {
            assertFalse(modules.output.contains(unneeded), () -> unneeded + " should not be in the runtime");
        }
    }

    @Test
    void launcherDefaultsToTheImageConfigPath() throws Exception {
        Result version = run(List.of(image.resolve("bin/pgrudder").toString(), "--version"), Map.of());
        assertEquals(0, version.exitCode, version.output);
        assertTrue(version.output.startsWith("pgrudder "), version.output);

        Result pgcat = run(List.of(image.resolve("bin/pgcat").toString(), "--version"), Map.of());
        assertEquals(version, pgcat, "bin/pgcat is the same launcher");

        Result check = run(List.of(image.resolve("bin/pgrudder").toString(), "--check"), Map.of());
        assertEquals(1, check.exitCode, check.output);
        assertTrue(check.output.contains("none of pgcat.toml, /etc/pgrudder/pgcat.toml, /etc/pgcat/pgcat.toml exists"), check.output);

        Path config = tmp.resolve("elsewhere.toml");
        Files.writeString(config, "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\n");
        Result fromEnv = run(List.of(image.resolve("bin/pgrudder").toString(), "--check"), Map.of("CONFIG_FILE", config.toString()));
        assertTrue(fromEnv.output.contains(config.toString()), fromEnv.output);
        assertFalse(fromEnv.output.contains("/etc/pgrudder"), fromEnv.output);
    }

    @Test
    void jvmFlagsKeepHeapAndDirectMemoryUnderTheContainerLimit() throws Exception {
        Path options = image.resolve("bin/jvm-options.sh");
        Path memoryMax = tmp.resolve("memory.max");
        Files.writeString(memoryMax, "536870912\n");
        Path v1Unlimited = tmp.resolve("memory.limit_in_bytes");
        Files.writeString(v1Unlimited, "9223372036854771712\n");
        Path noLimit = tmp.resolve("memory.max.none");
        Files.writeString(noLimit, "max\n");
        Result limits = run(List.of("sh", "-c", ". \"$1\"; pgrudder_memory_limit \"$2\"; echo \" $?\"; "
                + "pgrudder_memory_limit \"$3\" \"$4\"; echo \" $?\"", "sh", options.toString(),
                memoryMax.toString(), v1Unlimited.toString(), noLimit.toString()), Map.of());
        assertEquals("536870912 0\n 1\n", limits.output);

        // What the JVM makes of the flags at a 512Mi limit: direct memory 35 % (179 MiB), SerialGC,
        // and the C heap trimmed every 5 s, the version read from the runtime's release file.
        Result flags = run(List.of("sh", "-c", ". \"$1\"; exec \"$2\" $(pgrudder_jvm_options \"\" 536870912 "
                + "\"$(pgrudder_java_version \"$3\")\") -XX:+PrintFlagsFinal -version", "sh", options.toString(),
                image.resolve("runtime/bin/java").toString(), image.resolve("runtime/release").toString()), Map.of());
        assertEquals(0, flags.exitCode, flags.output);
        assertTrue(flags.output.matches("(?s).*TrimNativeHeapInterval += 5000 .*"), flags.output);
        // A JVM too old for the flag, or one whose version is not known, does not get it.
        Result old = run(List.of("sh", "-c", ". \"$1\"; pgrudder_jvm_options '' '' 17.0.8; echo; "
                + "pgrudder_jvm_options '' '' ''", "sh", options.toString()), Map.of());
        assertFalse(old.output.contains("TrimNativeHeapInterval"), old.output);
        assertTrue(flags.output.matches("(?s).*MaxDirectMemorySize += 187695104 .*"), flags.output);
        assertTrue(flags.output.matches("(?s).*MaxRAMPercentage += 40\\.0+ .*"), flags.output);
        assertTrue(flags.output.matches("(?s).*UseSerialGC += true .*"), flags.output);

        // A collector named in JAVA_OPTS replaces SerialGC and its young size.
        Result g1 = run(List.of("sh", "-c", ". \"$1\"; pgrudder_jvm_options -XX:+UseG1GC", "sh", options.toString()), Map.of());
        assertFalse(g1.output.contains("SerialGC") || g1.output.contains("-Xmn"), g1.output);
    }

    @Test
    void servesQueriesFromTheJlinkRuntimeAndExitsZeroOnSigterm(PostgresServer pg) throws Exception {
        int port = freePort();
        Path config = tmp.resolve("pgcat.toml");
        Files.writeString(config, """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "${PGRUDDER_ADMIN_PASSWORD}"
                log_client_connections = true

                [pools.testdb]
                pool_mode = "session"

                [pools.testdb.users.0]
                username = "scramuser"
                password = "${SCRAM_PASSWORD}"
                auth_type = "scram-sha-256"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, pg.host(), pg.port()));
        Path log = tmp.resolve("pgrudder.log");
        Path stderr = tmp.resolve("pgrudder.stderr");
        // As pgcat's pod spec runs it: command pgcat, args -F structured -n CONFIG.
        ProcessBuilder builder = new ProcessBuilder(image.resolve("bin/pgcat").toString(), "-F", "structured", "-n", config.toString())
                .redirectError(stderr.toFile())
                .redirectOutput(log.toFile());
        builder.environment().remove("CONFIG_FILE");
        builder.environment().remove("LOG_FORMAT");
        builder.environment().put("PGRUDDER_ADMIN_PASSWORD", "admin-secret");
        builder.environment().put("SCRAM_PASSWORD", PostgresServer.SCRAM_PASSWORD);
        Process pooler = builder.start();
        try {
            awaitListening(pooler, port, log);
            // The launcher execs: the process Kubernetes and Docker signal is the JVM itself.
            String command = pooler.info().command().orElse("");
            assertTrue(command.endsWith("runtime/bin/java"), "launcher did not exec the runtime's java: " + command);

            try (Connection c = connect(port); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }

            pooler.destroy(); // SIGTERM
            assertTrue(pooler.waitFor(60, TimeUnit.SECONDS), () -> "no exit 60 s after SIGTERM:\n" + read(log));
            assertEquals(0, pooler.exitValue(), () -> "exit code after SIGTERM:\n" + read(log) + read(stderr));
        } finally {
            pooler.destroyForcibly();
        }

        // stdout is the log and only the log: one JSON object per line.
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode event = JSON.readTree(line);
            for (String field : List.of("timestamp", "level", "logger", "thread", "message")) {
                assertTrue(event.hasNonNull(field), () -> field + " missing: " + line);
            }
            Instant.parse(event.get("timestamp").asText());
            events.add(event);
        }
        assertTrue(events.stream().anyMatch(e -> e.get("message").asText().contains("listening on")
                && e.get("message").asText().contains("epoll")), () -> "epoll transport not loaded by the jlink runtime:\n" + read(log));
        assertTrue(events.stream().anyMatch(e -> e.get("message").asText().contains("SIGTERM")), () -> read(log));
        JsonNode connected = events.stream().filter(e -> e.get("message").asText().startsWith("client ")
                && e.get("message").asText().contains(" connected")).findFirst()
                .orElseThrow(() -> new AssertionError("no client connected event:\n" + read(log)));
        assertTrue(connected.get("client").asText().startsWith("127.0.0.1:"), connected::toString);
        assertFalse(read(log).contains(PostgresServer.SCRAM_PASSWORD) || read(log).contains("admin-secret"), "no secret in the log");
    }

    @Test
    void healthcheckProbeAcceptsOnly200() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.createContext("/readyz", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        http.start();
        try {
            Map<String, String> env = Map.of("PGRUDDER_HEALTH_PORT", Integer.toString(http.getAddress().getPort()));
            String probe = image.resolve("bin/pgrudder-healthcheck").toString();

            assertEquals(0, run(List.of(probe), env).exitCode, "GET /healthz -> 200");
            Result notReady = run(List.of(probe, "/readyz"), env);
            assertEquals(1, notReady.exitCode, "GET /readyz -> 503");
            assertTrue(notReady.output.contains("503"), notReady.output);
        } finally {
            http.stop(0);
        }
        Result nobody = run(List.of(image.resolve("bin/pgrudder-healthcheck").toString()),
                Map.of("PGRUDDER_HEALTH_PORT", Integer.toString(freePort())));
        assertEquals(1, nobody.exitCode, nobody.output);
    }

    private static Connection connect(int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.SCRAM_USER);
        p.setProperty("password", PostgresServer.SCRAM_PASSWORD);
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p);
    }

    private static void awaitListening(Process pooler, int port, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (!pooler.isAlive()) {
                throw new AssertionError("pgrudder exited with " + pooler.exitValue() + ":\n" + read(log));
            }
            // The "listening on" line comes right after the bind: wait for both.
            if (read(log).contains("listening on")) {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    // bound but not accepting yet
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pgrudder did not listen on " + port + " within 30 s:\n" + read(log));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("CONFIG_FILE");
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), () -> command + " did not finish");
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
