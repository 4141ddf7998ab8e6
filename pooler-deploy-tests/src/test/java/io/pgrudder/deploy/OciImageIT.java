package io.pgrudder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemonless image (profile {@code image}: Jib's OCI tarball, target/pgrudder-image.tar): its
 * OCI layout, manifest and config (entrypoint, user, ports, labels as in docker/Dockerfile),
 * every blob's digest, then its layers unpacked into a directory and run: the launcher from the
 * unpacked tree, and, as root, the whole image root as a container would run it (its own /proc,
 * user 10001, pid 1), reading pgcat's image path /etc/pgcat/pgcat.toml and serving a query.
 */
@ExtendWith(PostgresExtension.class)
class OciImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path rootfs;
    private static JsonNode config;

    @TempDir
    static Path unpacked;

    @TempDir
    Path tmp;

    @BeforeAll
    static void openTheTarball() throws Exception {
        Path tarball = Path.of(System.getProperty("pgrudder.image.tar", "target/pgrudder-image.tar"));
        assertTrue(Files.isRegularFile(tarball), () -> tarball + " is missing: build with mvn -Pimage");
        Path layout = unpacked.resolve("layout");
        Files.createDirectories(layout);
        exec(List.of("tar", "-xf", tarball.toString(), "-C", layout.toString()));

        assertEquals("1.0.0", JSON.readTree(layout.resolve("oci-layout").toFile()).get("imageLayoutVersion").asText());
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.get("manifests").size(), index::toString);
        JsonNode entry = index.get("manifests").get(0);
        assertEquals("application/vnd.oci.image.manifest.v1+json", entry.get("mediaType").asText());
        JsonNode manifest = JSON.readTree(blob(layout, entry.get("digest").asText()).toFile());
        assertEquals("application/vnd.oci.image.config.v1+json", manifest.get("config").get("mediaType").asText());
        config = JSON.readTree(blob(layout, manifest.get("config").get("digest").asText()).toFile());

        rootfs = unpacked.resolve("rootfs");
        Files.createDirectories(rootfs);
        for (JsonNode layer : manifest.get("layers")) {
            assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layer.get("mediaType").asText());
            Path file = blob(layout, layer.get("digest").asText());
            assertEquals(layer.get("size").asLong(), Files.size(file));
            // --no-same-owner is not wanted: as root the files keep the layer's owners (0:0).
            exec(List.of("tar", "-xzf", file.toString(), "-C", rootfs.toString()));
        }
        assertEquals(manifest.get("layers").size(), config.get("rootfs").get("diff_ids").size());
    }

    /** The blob a digest names, after checking that its content has that digest. */
    private static Path blob(Path layout, String digest) throws Exception {
        assertTrue(digest.startsWith("sha256:"), digest);
        Path file = layout.resolve("blobs/sha256").resolve(digest.substring(7));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        assertEquals(digest.substring(7), HexFormat.of().formatHex(sha.digest()), "digest of " + file);
        return file;
    }

    @Test
    void configIsTheDockerfilesEntrypointUserPortsAndLabels() throws Exception {
        String arch = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
        assertEquals(arch, config.get("architecture").asText());
        assertEquals("linux", config.get("os").asText());
        JsonNode c = config.get("config");
        Dockerfile docker = Dockerfile.read(Checkout.root().resolve("docker/Dockerfile"));

        assertEquals(docker.entrypoint(), JSON.convertValue(c.get("Entrypoint"), List.class));
        assertEquals(docker.user(), c.get("User").asText());
        assertEquals(docker.workdir(), c.get("WorkingDir").asText());
        List<String> ports = new ArrayList<>();
        c.get("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertEquals(docker.exposed(), ports.stream().sorted().toList());
        assertTrue(c.get("Env").toString().contains("PATH=/opt/pgrudder/bin:"), c::toString);
        assertFalse(c.has("Cmd") && !c.get("Cmd").isNull() && c.get("Cmd").size() > 0,
                "no CMD: the config is found by the pooler's search, as in the Dockerfile");

        Map<String, String> labels = new TreeMap<>(JSON.convertValue(c.get("Labels"), Map.class));
        assertEquals(docker.labels().keySet(), labels.keySet());
        assertEquals("pgrudder", labels.get("org.opencontainers.image.title"));
        assertEquals(docker.labels().get("org.opencontainers.image.description"), labels.get("org.opencontainers.image.description"));
        String version = labels.get("org.opencontainers.image.version");
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
        assertEquals(docker.args().get("VERSION"), version, "the Dockerfile's VERSION follows the pom's version");
    }

    @Test
    void theLayersHoldTheRuntimeTheLaunchersAndABaseOfTheirOwn() throws Exception {
        for (String executable : List.of("opt/pgrudder/bin/pgrudder", "opt/pgrudder/bin/pgcat",
                "opt/pgrudder/bin/pgrudder-healthcheck", "opt/pgrudder/runtime/bin/java", "bin/sh", "bin/bash")) {
            assertTrue(Files.isExecutable(rootfs.resolve(executable)), executable);
        }
        assertTrue(Files.isRegularFile(rootfs.resolve("opt/pgrudder/lib/pooler-server.jar")));
        assertTrue(Files.readString(rootfs.resolve("etc/passwd")).contains("pgrudder:x:10001:10001:"));
        assertTrue(Files.isDirectory(rootfs.resolve("etc/pgcat")) && Files.isDirectory(rootfs.resolve("tmp")));
        assertFalse(Files.exists(rootfs.resolve("app")), "no Jib /app layout beside /opt/pgrudder");

        Result version = run(List.of(rootfs.resolve("opt/pgrudder/bin/pgcat").toString(), "--version"), Map.of());
        assertEquals(0, version.exitCode, version.output);
        assertTrue(version.output.startsWith("pgrudder "), version.output);
    }

    @Test
    void startsInsideTheImageRootAsItsUserReadingPgcatsPath(PostgresServer pg) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "a container's own root needs root and unshare (CI has both)");
        int port = freePort();
        Files.writeString(rootfs.resolve("etc/pgcat/pgcat.toml"), """
                [general]
                host = "127.0.0.1"
                port = %d
                prometheus_exporter_port = %d
                admin_username = "admin"
                admin_password = "${PGRUDDER_ADMIN_PASSWORD}"

                [pools.testdb.users.0]
                username = "scramuser"
                password = "${SCRAM_PASSWORD}"
                auth_type = "scram-sha-256"
                pool_size = 1

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, freeHttpPort(), pg.host(), pg.port()));
        Path log = tmp.resolve("stdout");
        Path stderr = tmp.resolve("stderr");
        // What a container runtime gives the image: its root, /proc, /dev, the image's user; no
        // arguments, so the pooler finds /etc/pgcat/pgcat.toml itself (no /etc/pgrudder one).
        String root = rootfs.toString();
        ProcessBuilder builder = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "sh", "-c",
                "mount -t proc proc \"$1/proc\" && mount --rbind /dev \"$1/dev\" "
                        + "&& exec chroot --userspec=10001:10001 \"$1\" /opt/pgrudder/bin/pgcat -F structured -n", "sh", root)
                .redirectOutput(log.toFile())
                .redirectError(stderr.toFile());
        Files.createDirectories(rootfs.resolve("proc"));
        Files.createDirectories(rootfs.resolve("dev"));
        builder.environment().keySet().removeIf(k -> k.startsWith("JAVA") || k.equals("CONFIG_FILE") || k.startsWith("LOG_"));
        builder.environment().put("PGRUDDER_ADMIN_PASSWORD", "admin-secret");
        builder.environment().put("SCRAM_PASSWORD", PostgresServer.SCRAM_PASSWORD);
        Process unshare = builder.start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            while (!listening(log, port)) {
                assertTrue(unshare.isAlive(), () -> "exited with " + unshare.exitValue() + ":\n" + read(log) + read(stderr));
                assertTrue(Instant.now().isBefore(deadline), () -> "not listening within 60 s:\n" + read(log) + read(stderr));
                Thread.sleep(100);
            }
            Properties p = new Properties();
            p.setProperty("user", PostgresServer.SCRAM_USER);
            p.setProperty("password", PostgresServer.SCRAM_PASSWORD);
            p.setProperty("sslmode", "disable");
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p);
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
                assertTrue(rs.next());
                assertEquals(PostgresServer.SCRAM_USER, rs.getString(1));
            }
            // The JVM is pid 1 of its namespace, as in a container: SIGTERM drains and exits 0.
            ProcessHandle jvm = unshare.descendants().filter(h -> h.info().command().orElse("").endsWith("/runtime/bin/java"))
                    .findFirst().orElseThrow(() -> new AssertionError("no JVM under unshare"));
            assertTrue(jvm.destroy(), "SIGTERM");
            assertTrue(unshare.waitFor(60, TimeUnit.SECONDS), () -> "no exit after SIGTERM:\n" + read(log));
            assertEquals(0, unshare.exitValue(), () -> read(log) + read(stderr));
        } finally {
            unshare.descendants().forEach(ProcessHandle::destroyForcibly);
            unshare.destroyForcibly();
            unshare.waitFor(10, TimeUnit.SECONDS);
        }
        for (String line : Files.readAllLines(log)) {
            JSON.readTree(line); // one JSON object per line, nothing else on stdout
        }
        assertTrue(read(log).contains("epoll"), () -> "native epoll in the image:\n" + read(log));
    }

    private static boolean listening(Path log, int port) {
        if (!read(log).contains("listening on")) {
            return false;
        }
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** What docker/Dockerfile's runtime stage declares, read from the file. */
    private record Dockerfile(List<String> entrypoint, String user, String workdir, List<String> exposed,
                              Map<String, String> labels, Map<String, String> args) {
        static Dockerfile read(Path file) throws IOException {
            String text = Files.readString(file).replace("\\\n", " ");
            String runtime = text.substring(text.lastIndexOf("\nFROM "));
            Map<String, String> args = new TreeMap<>();
            Matcher arg = Pattern.compile("(?m)^ARG (\\w+)=(\\S*)").matcher(runtime);
            while (arg.find()) {
                args.put(arg.group(1), arg.group(2));
            }
            Map<String, String> labels = new TreeMap<>();
            Matcher label = Pattern.compile("(org\\.opencontainers\\.image\\.\\w+)=\"([^\"]*)\"").matcher(runtime);
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            return new Dockerfile(
                    JSON.readValue(line(runtime, "ENTRYPOINT"), List.class),
                    line(runtime, "USER"), line(runtime, "WORKDIR"),
                    List.of(line(runtime, "EXPOSE").split("\\s+")).stream().map(p -> p + "/tcp").sorted().toList(),
                    labels, args);
        }

        private static String line(String text, String instruction) {
            Matcher m = Pattern.compile("(?m)^" + instruction + " (.+)$").matcher(text);
            assertTrue(m.find(), instruction + " missing from the Dockerfile");
            return m.group(1).strip();
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), () -> command + " did not finish");
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static void exec(List<String> command) throws Exception {
        Result r = run(command, Map.of());
        assertEquals(0, r.exitCode, () -> command + ":\n" + r.output);
    }

    /** prometheus_exporter_port is at most 32767, as in pgcat: a free port under that. */
    private static int freeHttpPort() {
        for (int candidate = 20000 + (int) (ProcessHandle.current().pid() % 10000); ; candidate = 20000 + (candidate - 19999) % 12000) {
            try (ServerSocket s = new ServerSocket(candidate)) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // next one
            }
        }
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
