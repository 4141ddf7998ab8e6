package io.pgrudder.core.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code [general]}: every key pgcat 1.3 reads, with pgcat's code defaults, plus pgrudder's own
 * ({@code max_message_size}, {@code shutdown_grace_period}, the Patroni keys).
 *
 * <p>Units follow pgcat: times are milliseconds in the file except {@code ban_time},
 * {@code dns_max_ttl}, {@code tcp_keepalives_idle} and {@code tcp_keepalives_interval}
 * (seconds); here they are all {@link Duration}s. Nullable: {@code tlsCertificate},
 * {@code tlsPrivateKey}, {@code serverTlsCaFile}, {@code authQuery}, {@code authQueryUser},
 * {@code authQueryPassword}.
 * {@code idleClientInTransactionTimeout} zero = disabled.
 *
 * @param enablePrometheusExporter pgcat starts the exporter only when this is explicitly true
 * @param prometheusExporterPort pgcat reads it as an i16, so at most 32767
 * @param maxMessageSize largest protocol message accepted from a client or server, in bytes
 * @param shutdownGracePeriod how long a drain waits before idle clients are cut
 * @param clientLoginTimeout ours (PgBouncer's name, PostgreSQL's authentication_timeout): a client
 *                           not authenticated this long after it connected is closed; zero = no limit
 * @param maxClientConn ours (PgBouncer's name): client connections open at once, admin console
 *                      included; one more gets 53300 and is closed
 * @param pinSessionState ours: in transaction mode a client keeps its server connection while it
 *                        holds session state that cannot move (temporary tables, WITH HOLD cursors,
 *                        session advisory locks, PREPARE, LISTEN); false cleans that state when the
 *                        client lets go instead (pgcat's behaviour: the client loses it)
 * @param serverTls pgcat's key as written; what pgrudder does is {@code serverTlsSslmode}
 * @param verifyServerCertificate pgcat's key as written; see {@code serverTlsSslmode}
 * @param serverTlsSslmode ours: how connections to PostgreSQL use TLS, from {@code server_tls_sslmode}
 *                         or else from pgcat's {@code server_tls} and {@code verify_server_certificate}
 * @param authQueryCacheTtl ours: how long a secret auth_query fetched is reused for further logins
 *                          (zero: every login runs the query, as PgBouncer does); pools inherit it
 * @param serverTlsCaFile ours: PEM file of the CAs trusted for server certificates instead of the
 *                        JVM's default trust store (the system's CAs), or null
 */
public record GeneralConfig(
        String host,
        int port,
        boolean enablePrometheusExporter,
        int prometheusExporterPort,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration tcpKeepalivesIdle,
        int tcpKeepalivesCount,
        Duration tcpKeepalivesInterval,
        Duration tcpUserTimeout,
        boolean logClientConnections,
        boolean logClientDisconnections,
        boolean dnsCacheEnabled,
        Duration dnsMaxTtl,
        Duration shutdownTimeout,
        Duration healthcheckTimeout,
        Duration healthcheckDelay,
        Duration banTime,
        Duration idleClientInTransactionTimeout,
        Duration serverLifetime,
        boolean serverRoundRobin,
        int workerThreads,
        Optional<Duration> autoreload,
        String tlsCertificate,
        String tlsPrivateKey,
        boolean serverTls,
        boolean verifyServerCertificate,
        ServerTlsMode serverTlsSslmode,
        String serverTlsCaFile,
        String adminUsername,
        String adminPassword,
        AuthType adminAuthType,
        boolean validateConfig,
        String authQuery,
        String authQueryUser,
        String authQueryPassword,
        Duration authQueryCacheTtl,
        int maxMessageSize,
        Duration shutdownGracePeriod,
        Duration clientLoginTimeout,
        int maxClientConn,
        boolean pinSessionState,
        String authMockSecret,
        PatroniSettings patroni) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 5432;
    public static final int DEFAULT_PROMETHEUS_EXPORTER_PORT = 9930;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMillis(600_000);
    public static final Duration DEFAULT_TCP_KEEPALIVES_IDLE = Duration.ofSeconds(5);
    public static final int DEFAULT_TCP_KEEPALIVES_COUNT = 5;
    public static final Duration DEFAULT_TCP_KEEPALIVES_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TCP_USER_TIMEOUT = Duration.ofMillis(10_000);
    public static final Duration DEFAULT_DNS_MAX_TTL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofMillis(60_000);
    public static final Duration DEFAULT_HEALTHCHECK_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_HEALTHCHECK_DELAY = Duration.ofMillis(30_000);
    public static final Duration DEFAULT_BAN_TIME = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SERVER_LIFETIME = Duration.ofMillis(3_600_000);
    public static final int DEFAULT_WORKER_THREADS = 4;
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 30;
    /** Short, so a changed or revoked password counts within half a minute (pgcat has no cache, PgBouncer neither). */
    public static final Duration DEFAULT_AUTH_QUERY_CACHE_TTL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SHUTDOWN_GRACE_PERIOD = Duration.ofMillis(5000);
    /** PostgreSQL's authentication_timeout and PgBouncer's client_login_timeout: 60 s. */
    public static final Duration DEFAULT_CLIENT_LOGIN_TIMEOUT = Duration.ofSeconds(60);
    /**
     * pgcat has no limit, so a pgcat user's clients must not start failing after the switch:
     * far above PgBouncer's 100, still a bound on what a connection storm can hold.
     */
    public static final int DEFAULT_MAX_CLIENT_CONN = 10_000;

    private static final Set<String> SECRETS = Set.of("adminPassword", "authQueryPassword", "authMockSecret");

    public GeneralConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(autoreload, "autoreload");
        Objects.requireNonNull(adminUsername, "adminUsername");
        Objects.requireNonNull(adminPassword, "adminPassword");
        Objects.requireNonNull(adminAuthType, "adminAuthType");
        Objects.requireNonNull(serverTlsSslmode, "serverTlsSslmode");
        Objects.requireNonNull(clientLoginTimeout, "clientLoginTimeout");
        Objects.requireNonNull(patroni, "patroni");
        Objects.requireNonNull(authQueryCacheTtl, "authQueryCacheTtl");
    }

    /** Client-facing TLS is offered when a certificate (and hence a key) is configured. */
    public boolean tlsEnabled() {
        return tlsCertificate != null && tlsPrivateKey != null;
    }

    @Override
    public String toString() {
        return Secrets.maskedToString(this, SECRETS);
    }
}
