package io.pgrudder.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL cluster made with this machine's binaries in its own temp dir: data directory,
 * Unix socket and log all live there, so several can run side by side. It is stopped by its
 * postmaster PID, never by process name.
 */
final class LocalPostgres implements PostgresInstance {

    static final String HOST = "127.0.0.1";

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);
    private static final Path DEBIAN_PG_ROOT = Path.of("/usr/lib/postgresql");
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 5;

    private final Path baseDir;
    private final Path dataDir;
    private final Path logFile;
    private final Path binDir;
    private final int port;
    private final long postmasterPid;
    private final Optional<Instant> postmasterStarted;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private LocalPostgres(Path baseDir, Path binDir, int port, long postmasterPid) {
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.logFile = baseDir.resolve("postgresql.log");
        this.binDir = binDir;
        this.port = port;
        this.postmasterPid = postmasterPid;
        this.postmasterStarted = ProcessHandle.of(postmasterPid).flatMap(p -> p.info().startInstant());
    }

    /** {@code options.binDir}, else {@code $PG_BIN}, else the newest (or the requested) Debian version. */
    static Optional<Path> findBinDir(PostgresServer.Options options) {
        if (options.binDir().isPresent()) {
            return options.binDir();
        }
        String env = System.getenv("PG_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env, "initdb"))) {
            return Optional.of(Path.of(env));
        }
        if (options.version().isPresent()) {
            Path dir = DEBIAN_PG_ROOT.resolve(options.version().get()).resolve("bin");
            return Files.isExecutable(dir.resolve("initdb")) ? Optional.of(dir) : Optional.empty();
        }
        if (!Files.isDirectory(DEBIAN_PG_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_PG_ROOT)) {
            return versions
                    .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())))
                    .map(v -> v.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static LocalPostgres start(PostgresServer.Options options, Path binDir) {
        Path baseDir = createBaseDir();
        try {
            Path dataDir = baseDir.resolve("data");
            OsCommand.run(List.of(binDir.resolve("initdb").toString(),
                            "-D", dataDir.toString(), "-U", PostgresServer.SUPERUSER, "-A", "trust",
                            "-E", "UTF8", "--locale=C", "--no-sync"),
                    baseDir, Duration.ofMinutes(2)).orThrow();
            String initdbConf = Files.readString(dataDir.resolve("postgresql.conf"), StandardCharsets.UTF_8);
            if (options.isHostsslOnly() && options.sslCertFile().isEmpty()) {
                throw new IllegalArgumentException("hostsslOnly() needs ssl(cert, key)");
            }
            Files.writeString(dataDir.resolve("pg_hba.conf"), hbaConf(options.isHostsslOnly()), StandardCharsets.UTF_8);
            Map<String, String> sslSettings = sslSettings(options, baseDir);

            Path logFile = baseDir.resolve("postgresql.log");
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                Files.writeString(dataDir.resolve("postgresql.conf"),
                        initdbConf + settingsBlock(options, sslSettings, port, baseDir), StandardCharsets.UTF_8);
                OsCommand.Result started = OsCommand.run(List.of(binDir.resolve("pg_ctl").toString(),
                                "-D", dataDir.toString(), "-w", "-t", "60", "-l", logFile.toString(), "start"),
                        baseDir, Duration.ofSeconds(90));
                if (started.ok()) {
                    long pid = readPostmasterPid(dataDir);
                    log.debug("PostgreSQL {} started: port {}, pid {}, dir {}", binDir, port, pid, baseDir);
                    return new LocalPostgres(baseDir, binDir, port, pid);
                }
                String serverLog = tail(logFile);
                boolean portTaken = serverLog.contains("could not bind") || serverLog.contains("already in use");
                if (!portTaken || attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("PostgreSQL did not start: " + started.output()
                            + "\n--- " + logFile + " ---\n" + serverLog);
                }
                log.info("port {} was taken meanwhile, trying another one", port);
            }
        } catch (IOException | RuntimeException e) {
            deleteTree(baseDir);
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    @Override
    public Optional<Path> dataDir() {
        return Optional.of(dataDir);
    }

    @Override
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        Instant deadline = Instant.now().plus(STOP_GRACE);
        try {
            OsCommand.Result result = OsCommand.run(List.of(binDir.resolve("pg_ctl").toString(),
                            "-D", dataDir.toString(), "stop", "-m", "fast", "-w", "-t", "30"),
                    baseDir, STOP_GRACE.plusSeconds(10));
            if (!result.ok()) {
                log.warn("pg_ctl stop failed for pid {}: {}", postmasterPid, result.output());
            }
            while (postmasterRunning() && Instant.now().isBefore(deadline)) {
                Thread.sleep(100);
            }
            if (postmasterRunning()) {
                log.warn("PostgreSQL pid {} still running {} after stop began; sending SIGKILL", postmasterPid, STOP_GRACE);
                ProcessHandle.of(postmasterPid).ifPresent(ProcessHandle::destroyForcibly);
                Instant killDeadline = Instant.now().plusSeconds(10);
                while (postmasterRunning() && Instant.now().isBefore(killDeadline)) {
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ProcessHandle.of(postmasterPid).filter(p -> isOurPostmaster(p)).ifPresent(ProcessHandle::destroyForcibly);
        } finally {
            deleteTree(baseDir);
        }
    }

    /** True while our postmaster (same PID and start time, not a zombie) is alive. */
    private boolean postmasterRunning() {
        return ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive).filter(this::isOurPostmaster)
                .isPresent() && !isZombie(postmasterPid);
    }

    private boolean isOurPostmaster(ProcessHandle process) {
        Optional<Instant> started = process.info().startInstant();
        return postmasterStarted.isEmpty() || started.isEmpty() || started.equals(postmasterStarted);
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            int afterName = stat.lastIndexOf(')');
            return afterName > 0 && stat.length() > afterName + 2 && stat.charAt(afterName + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Copies the certificate and key of {@link PostgresServer.Options#ssl} next to the data
     * directory, key mode 0600, both handed to the postgres OS user when root (PostgreSQL refuses
     * a key that others may read or that it does not own), and returns the settings that use them.
     */
    private static Map<String, String> sslSettings(PostgresServer.Options options, Path baseDir) throws IOException {
        if (options.sslCertFile().isEmpty()) {
            return Map.of();
        }
        Path cert = baseDir.resolve("server.crt");
        Path key = baseDir.resolve("server.key");
        Files.copy(options.sslCertFile().get(), cert);
        Files.copy(options.sslKeyFile().orElseThrow(), key);
        Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        OsCommand.handOver(cert);
        OsCommand.handOver(key);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ssl", "on");
        settings.put("ssl_cert_file", cert.toString());
        settings.put("ssl_key_file", key.toString());
        return settings;
    }

    private static String settingsBlock(PostgresServer.Options options, Map<String, String> sslSettings, int port,
                                        Path socketDir) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", HOST);
        settings.put("port", Integer.toString(port));
        settings.put("unix_socket_directories", socketDir.toString());
        settings.put("fsync", "off");
        settings.put("synchronous_commit", "off");
        settings.put("full_page_writes", "off");
        settings.put("max_connections", "200");
        settings.put("log_min_messages", "warning");
        settings.putAll(sslSettings);
        settings.putAll(options.settings());
        StringBuilder block = new StringBuilder("\n# --- pgrudder test fixture ---\n");
        settings.forEach((name, value) ->
                block.append(name).append(" = '").append(value.replace("'", "''")).append("'\n"));
        return block.toString();
    }

    /** @param hostsslOnly TCP clients must use TLS: {@code hostssl} lines instead of {@code host} */
    private static String hbaConf(boolean hostsslOnly) {
        String host = hostsslOnly ? "hostssl" : "host";
        return String.join("\n",
                "# pgrudder test fixture: one user per authentication method",
                "local all all trust",
                host + " all " + PostgresServer.MD5_USER + " 127.0.0.1/32 md5",
                host + " all " + PostgresServer.SCRAM_USER + " 127.0.0.1/32 scram-sha-256",
                host + " all +" + PostgresServer.PASSWORD_GROUP + " 127.0.0.1/32 md5",
                host + " all all 127.0.0.1/32 trust",
                "");
    }

    /** A dir under /tmp (short enough for a Unix socket path) that postgres owns, mode 0700. */
    private static Path createBaseDir() {
        try {
            Path tmp = Files.isDirectory(Path.of("/tmp")) ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir"));
            Path dir = Files.createTempDirectory(tmp, "pgrudder-pg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            OsCommand.handOver(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for PostgreSQL", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        }
    }

    private static long readPostmasterPid(Path dataDir) throws IOException {
        List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
        return Long.parseLong(lines.get(0).trim());
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(paths::add);
        } catch (IOException | UncheckedIOException e) {
            log.warn("cannot list {} for deletion: {}", root, e.getMessage());
        }
        paths.sort(Comparator.reverseOrder());
        for (Path path : paths) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", path, e.getMessage());
            }
        }
    }
}
