package io.pgrudder.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL in a Testcontainers container, with the same users, settings and pg_hba rules as
 * {@link LocalPostgres} (clients reach it through Docker's network, so rules match any address).
 * Loaded only when {@link DockerProbe} says a Docker engine answers, so modules without
 * Testcontainers on their test class path still get the local server.
 */
final class ContainerPostgres implements PostgresInstance {

    private static final Logger log = LoggerFactory.getLogger(ContainerPostgres.class);
    private static final String DEFAULT_VERSION = "15";
    private static final String HBA_PATH = "/etc/pgrudder/pg_hba.conf";
    private static final int PG_PORT = 5432;

    private final PostgreSQLContainer<?> container;
    private final Path logFile;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private ContainerPostgres(PostgreSQLContainer<?> container, Path logFile) {
        this.container = container;
        this.logFile = logFile;
    }

    static ContainerPostgres start(PostgresServer.Options options) {
        String image = "postgres:" + options.version().orElse(DEFAULT_VERSION);
        Path logFile;
        try {
            logFile = Files.createTempFile("pgrudder-pg-container-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withUsername(PostgresServer.SUPERUSER)
                .withPassword(PostgresServer.SUPERUSER)
                .withDatabaseName("postgres")
                .withCopyToContainer(Transferable.of(hbaConf().getBytes(StandardCharsets.UTF_8), 0644), HBA_PATH)
                .withLogConsumer(frame -> append(logFile, frame.getUtf8String()));
        container.withCommand(command(options).toArray(String[]::new));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            deleteQuietly(logFile);
            throw e;
        }
        log.debug("PostgreSQL container {} on {}:{}", image, container.getHost(), container.getMappedPort(PG_PORT));
        return new ContainerPostgres(container, logFile);
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(PG_PORT);
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    @Override
    public Optional<Path> dataDir() {
        return Optional.empty();
    }

    @Override
    public void stop() {
        if (stopped.compareAndSet(false, true)) {
            try {
                container.stop();
            } finally {
                deleteQuietly(logFile);
            }
        }
    }

    private static List<String> command(PostgresServer.Options options) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("hba_file", HBA_PATH);
        settings.put("fsync", "off");
        settings.put("synchronous_commit", "off");
        settings.put("full_page_writes", "off");
        settings.put("max_connections", "200");
        settings.put("log_min_messages", "warning");
        settings.putAll(options.settings());
        List<String> command = new ArrayList<>(List.of("postgres"));
        settings.forEach((name, value) -> {
            command.add("-c");
            command.add(name + "=" + value);
        });
        return command;
    }

    private static String hbaConf() {
        return String.join("\n",
                "local all all trust",
                "host all " + PostgresServer.MD5_USER + " all md5",
                "host all " + PostgresServer.SCRAM_USER + " all scram-sha-256",
                "host all +" + PostgresServer.PASSWORD_GROUP + " all md5",
                "host all all all trust",
                "");
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // losing a log line must not fail a test
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stray temp file is harmless
        }
    }
}
