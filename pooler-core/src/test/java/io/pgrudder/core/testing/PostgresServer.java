package io.pgrudder.core.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL for tests: a Testcontainers PostgreSQL when a Docker engine answers, otherwise
 * a throw-away cluster made with the local binaries ({@code /usr/lib/postgresql/<newest>/bin} or
 * {@code $PG_BIN}) in its own temp dir, on a free port of 127.0.0.1.
 *
 * <p>Every server has the same users, so tests can cover each authentication method:
 * <ul>
 *   <li>{@value #MD5_USER} / {@value #MD5_PASSWORD}, password stored as MD5, {@code md5} in pg_hba</li>
 *   <li>{@value #SCRAM_USER} / {@value #SCRAM_PASSWORD}, stored as SCRAM, {@code scram-sha-256}</li>
 *   <li>{@value #TRUST_USER}, no password, {@code trust}</li>
 *   <li>the superuser {@value #SUPERUSER}, {@code trust}</li>
 * </ul>
 * and a database {@value #TEST_DATABASE} on which all of them may create objects.
 *
 * <p>Choose the kind with {@link Options#kind} or the environment variable
 * {@code PGRUDDER_TEST_POSTGRES=local|docker}; the default picks docker only when it answers.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    public static final String TEST_DATABASE = "testdb";
    public static final String MD5_USER = "md5user";
    public static final String MD5_PASSWORD = "md5pass";
    public static final String SCRAM_USER = "scramuser";
    public static final String SCRAM_PASSWORD = "scrampass";
    public static final String TRUST_USER = "trustuser";
    /**
     * Members of this (NOLOGIN) role must log in with their stored password, md5 or SCRAM
     * (pg_hba {@code md5} lets PostgreSQL pick by the secret): for roles a test creates.
     */
    public static final String PASSWORD_GROUP = "password_login";

    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);

    /** Servers not closed yet; the shutdown hook stops whatever a test forgot. */
    private static final Set<PostgresServer> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private final PostgresInstance instance;
    private final Optional<Path> pgBinDir;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresServer(PostgresInstance instance, Optional<Path> pgBinDir) {
        this.instance = instance;
        this.pgBinDir = pgBinDir;
    }

    /** Starts a server with the default settings. */
    public static PostgresServer start() {
        return start(Options.defaults());
    }

    /** Starts a server; the caller closes it. */
    public static PostgresServer start(Options options) {
        Objects.requireNonNull(options, "options");
        Optional<Path> binDir = LocalPostgres.findBinDir(options);
        PostgresInstance instance = useDocker(options)
                ? ContainerPostgres.start(options)
                : LocalPostgres.start(options, binDir.orElseThrow(() -> new IllegalStateException(
                        "no PostgreSQL binaries: install them (apt-get install -y postgresql), set PG_BIN, "
                                + "or run a Docker engine")));
        PostgresServer server = new PostgresServer(instance, binDir);
        installShutdownHook();
        OPEN.add(server);
        try {
            server.createUsersAndDatabase();
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        log.info("PostgreSQL ready on {}:{} (log {})", server.host(), server.port(), server.logFile());
        return server;
    }

    public String host() {
        return instance.host();
    }

    public int port() {
        return instance.port();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    public String superuser() {
        return SUPERUSER;
    }

    /** Opens a JDBC connection; {@code password} may be null for trust users. */
    public Connection connect(String database, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** Runs {@code sql} as the superuser on {@value #TEST_DATABASE}. */
    public void execute(String sql) {
        execute(TEST_DATABASE, sql);
    }

    /** Where psql, pgbench and friends live, when this machine has PostgreSQL binaries. */
    public Optional<Path> pgBinDir() {
        return pgBinDir;
    }

    /** PostgreSQL's server log; deleted by {@link #close()}. */
    public Path logFile() {
        return instance.logFile();
    }

    /** The data directory of a local server (empty for a container); deleted by {@link #close()}. */
    public Optional<Path> dataDir() {
        return instance.dataDir();
    }

    /**
     * A real shutdown of a local server, keeping its files: {@code pg_ctl stop -m <mode> -w}
     * (smart, fast or immediate). {@link #startAgain()} brings it back on the same port.
     */
    public void shutdown(String mode) {
        pgCtl(List.of("stop", "-m", mode, "-w", "-t", "60"));
    }

    /** Starts a server stopped by {@link #shutdown(String)} again, on the same port, and waits until it accepts connections. */
    public void startAgain() {
        pgCtl(List.of("start", "-w", "-t", "60", "-l", logFile().toString()));
    }

    private void pgCtl(List<String> args) {
        Path data = dataDir().orElseThrow(() -> new UnsupportedOperationException("not a local server: " + this));
        Path bin = pgBinDir().orElseThrow(() -> new UnsupportedOperationException("no PostgreSQL binaries: " + this));
        List<String> command = new java.util.ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString()));
        command.addAll(args);
        OsCommand.run(command, data.getParent(), java.time.Duration.ofSeconds(90)).orThrow();
    }

    /** Stops PostgreSQL (fast shutdown, then SIGKILL to its postmaster PID) and deletes its files. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            OPEN.remove(this);
            instance.stop();
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + host() + ":" + port() + "]";
    }

    private void execute(String database, String sql) {
        try (Connection c = connect(database, SUPERUSER, null); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("failed on " + this + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    private void createUsersAndDatabase() {
        try (Connection c = connect("postgres", SUPERUSER, null); Statement s = c.createStatement()) {
            s.execute("SET password_encryption = 'md5'");
            s.execute("CREATE ROLE " + MD5_USER + " LOGIN PASSWORD '" + MD5_PASSWORD + "'");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE " + SCRAM_USER + " LOGIN PASSWORD '" + SCRAM_PASSWORD + "'");
            s.execute("CREATE ROLE " + TRUST_USER + " LOGIN");
            s.execute("CREATE ROLE " + PASSWORD_GROUP + " NOLOGIN");
            s.execute("CREATE DATABASE " + TEST_DATABASE + " OWNER " + SUPERUSER);
            s.execute("GRANT ALL PRIVILEGES ON DATABASE " + TEST_DATABASE + " TO "
                    + MD5_USER + ", " + SCRAM_USER + ", " + TRUST_USER);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test users on " + this + ": " + e.getMessage(), e);
        }
        execute(TEST_DATABASE, "GRANT ALL ON SCHEMA public TO " + MD5_USER + ", " + SCRAM_USER + ", " + TRUST_USER);
    }

    private static boolean useDocker(Options options) {
        Kind kind = options.kind;
        if (options.needsLocal()) {
            if (kind == Kind.DOCKER) {
                throw new IllegalStateException("ssl()/hostsslOnly() need a local PostgreSQL, not a container");
            }
            return false;
        }
        if (kind == Kind.AUTO) {
            String env = System.getenv("PGRUDDER_TEST_POSTGRES");
            if ("local".equalsIgnoreCase(env)) {
                kind = Kind.LOCAL;
            } else if ("docker".equalsIgnoreCase(env)) {
                kind = Kind.DOCKER;
            }
        }
        return switch (kind) {
            case LOCAL -> false;
            case DOCKER -> true;
            case AUTO -> DockerProbe.dockerAnswers();
        };
    }

    private static void installShutdownHook() {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (PostgresServer server : OPEN) {
                    try {
                        server.close();
                    } catch (RuntimeException e) {
                        // the JVM is going away; nothing better to do than try the next one
                    }
                }
            }, "pgrudder-postgres-shutdown"));
        }
    }

    /** Where the server comes from. */
    public enum Kind { AUTO, LOCAL, DOCKER }

    /** Extra postgresql.conf settings and which PostgreSQL to run. */
    public static final class Options {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private String version;
        private Path binDir;
        private Kind kind = Kind.AUTO;
        private Path sslCertFile;
        private Path sslKeyFile;
        private boolean hostsslOnly;

        private Options() {
        }

        public static Options defaults() {
            return new Options();
        }

        /** Adds or replaces one postgresql.conf setting, e.g. {@code setting("max_connections", "50")}. */
        public Options setting(String name, String value) {
            settings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Options maxConnections(int maxConnections) {
            return setting("max_connections", Integer.toString(maxConnections));
        }

        /** Major version, e.g. "15": picks {@code /usr/lib/postgresql/15/bin} or the image {@code postgres:15}. */
        public Options version(String majorVersion) {
            this.version = majorVersion;
            return this;
        }

        /** Runs the binaries in this directory (initdb, pg_ctl, ...); wins over {@link #version}. */
        public Options binDir(Path dir) {
            this.binDir = dir;
            return this;
        }

        public Options kind(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /**
         * Turns on TLS ({@code ssl = on}) with this PEM certificate and key. The server gets its own
         * copies (the key mode 0600 and, when root, owned by the postgres OS user, as PostgreSQL
         * demands). Local servers only.
         */
        public Options ssl(Path certFile, Path keyFile) {
            this.sslCertFile = Objects.requireNonNull(certFile, "certFile");
            this.sslKeyFile = Objects.requireNonNull(keyFile, "keyFile");
            return this;
        }

        /**
         * pg_hba.conf lets TCP clients in only over TLS ({@code hostssl} lines instead of
         * {@code host}); the same users and methods otherwise. Needs {@link #ssl}.
         */
        public Options hostsslOnly() {
            this.hostsslOnly = true;
            return this;
        }

        Map<String, String> settings() {
            return Collections.unmodifiableMap(settings);
        }

        Optional<Path> sslCertFile() {
            return Optional.ofNullable(sslCertFile);
        }

        Optional<Path> sslKeyFile() {
            return Optional.ofNullable(sslKeyFile);
        }

        boolean isHostsslOnly() {
            return hostsslOnly;
        }

        /** Certificate files must be copied into the server's own directory: a container cannot do that here. */
        boolean needsLocal() {
            return sslCertFile != null || hostsslOnly;
        }

        Optional<String> version() {
            return Optional.ofNullable(version);
        }

        Optional<Path> binDir() {
            return Optional.ofNullable(binDir);
        }
    }
}
