package io.pgrudder.server.ops;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.server.PgrudderServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * pgrudder (in this JVM, or as a process started from {@code bin/pgrudder}) in front of the test
 * PostgreSQL, from a pgcat.toml written to a temp file so that reload has a file to read. Pools:
 * {@code testdb} (md5user, transaction mode) and {@code otherdb} (md5user, pool_size 1, real
 * database testdb).
 */
public final class OpsHarness {
    public static final String ADMIN_PASSWORD = "admin-secret";

    public final PostgresServer postgres;
    public final Path configFile;
    public final int port;
    public final int httpPort;

    public OpsHarness(PostgresServer postgres, String general, int testdbPoolSize) throws IOException {
        this(postgres, general, testdbPoolSize, freePort(), freeHttpPort());
    }

    public OpsHarness(PostgresServer postgres, String general, int testdbPoolSize, int port, int httpPort)
            throws IOException {
        this.postgres = postgres;
        this.port = port;
        this.httpPort = httpPort;
        this.configFile = Files.createTempFile("pgrudder-ops", ".toml");
        write(general, testdbPoolSize);
    }

    public void write(String general, int testdbPoolSize) throws IOException {
        Files.writeString(configFile, toml(general, testdbPoolSize));
    }

    public String toml(String general, int testdbPoolSize) {
        return """
                [general]
                host = "127.0.0.1"
                port = %d
                prometheus_exporter_port = %d
                admin_username = "admin"
                admin_password = "%s"
                connect_timeout = 3000
                %s

                [pools.testdb]
                pool_mode = "transaction"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = %d

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]

                [pools.otherdb]
                pool_mode = "transaction"

                [pools.otherdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 1

                [pools.otherdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, httpPort, ADMIN_PASSWORD, general, testdbPoolSize, postgres.host(), postgres.port(),
                postgres.host(), postgres.port());
    }

    public PgrudderServer startInProcess() throws Exception {
        return PgrudderServer.start(ConfigLoader.load(configFile, Map.of()));
    }

    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "md5user");
        p.setProperty("password", "md5pass");
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    /** An admin console connection (pgjdbc in simple query mode, as the console requires). */
    public Connection admin(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", ADMIN_PASSWORD);
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Starts {@code bin/pgrudder CONFIG} from the build output as a child process. */
    public Process startProcess(Path log) throws IOException {
        Path launcher = repoRoot().resolve("bin/pgrudder");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), configFile.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
        return pb.start();
    }

    public static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("bin/pgrudder")) ? here : here.getParent();
    }

    /** Waits until the HTTP port answers /readyz with 200. */
    public void awaitReady(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (get("/readyz").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pgrudder on " + port + " not ready within " + within);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** prometheus_exporter_port is an i16 in pgcat (at most 32767), so the kernel's pick will not do. */
    public static int freeHttpPort() throws IOException {
        for (int i = 0; i < 100; i++) {
            int candidate = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12000);
            try (ServerSocket s = new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port below 32768");
    }

    public void delete() throws IOException {
        Files.deleteIfExists(configFile);
    }
}
