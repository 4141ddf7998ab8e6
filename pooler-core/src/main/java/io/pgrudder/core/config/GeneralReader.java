package io.pgrudder.core.config;

import io.pgrudder.core.net.PemCertificates;

import java.io.IOException;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import static io.pgrudder.core.config.GeneralConfig.*;

/** Reads {@code [general]} with pgcat's code defaults. */
final class GeneralReader {
    private GeneralReader() {
    }

    static GeneralConfig read(TomlSection g) {
        Problems problems = g.problems();
        String tlsCertificate = g.string("tls_certificate");
        String tlsPrivateKey = g.string("tls_private_key");
        if (g.has("tls_certificate") && !g.has("tls_private_key")) {
            problems.error(g.path("tls_private_key"), "required when tls_certificate is set");
        }
        boolean serverTls = g.bool("server_tls", false);
        boolean verifyServerCertificate = g.bool("verify_server_certificate", false);
        ServerTlsMode serverTlsSslmode = serverTlsMode(g, serverTls, verifyServerCertificate);
        String serverTlsCaFile = serverTlsCaFile(g, serverTlsSslmode);
        String authQuery = g.string("auth_query");
        String authQueryUser = g.string("auth_query_user");
        String authQueryPassword = g.secret("auth_query_password");
        if (g.has("auth_query") && (!g.has("auth_query_user") || !g.has("auth_query_password"))) {
            problems.error(g.path("auth_query"), "requires auth_query_user and auth_query_password");
        }
        String adminUsername = g.requiredString("admin_username", false);
        String adminPassword = g.requiredString("admin_password", true);

        GeneralConfig config = new GeneralConfig(
                g.string("host", DEFAULT_HOST),
                (int) g.integer("port", 1, 65535, DEFAULT_PORT),
                g.bool("enable_prometheus_exporter", false),
                (int) g.integer("prometheus_exporter_port", 1, Short.MAX_VALUE, DEFAULT_PROMETHEUS_EXPORTER_PORT),
                g.millis("connect_timeout", DEFAULT_CONNECT_TIMEOUT),
                g.millis("idle_timeout", DEFAULT_IDLE_TIMEOUT),
                g.seconds("tcp_keepalives_idle", DEFAULT_TCP_KEEPALIVES_IDLE),
                (int) g.integer("tcp_keepalives_count", 0, Integer.MAX_VALUE, DEFAULT_TCP_KEEPALIVES_COUNT),
                g.seconds("tcp_keepalives_interval", DEFAULT_TCP_KEEPALIVES_INTERVAL),
                g.millis("tcp_user_timeout", DEFAULT_TCP_USER_TIMEOUT),
                g.bool("log_client_connections", false),
                g.bool("log_client_disconnections", false),
                g.bool("dns_cache_enabled", false),
                g.seconds("dns_max_ttl", DEFAULT_DNS_MAX_TTL),
                g.millis("shutdown_timeout", DEFAULT_SHUTDOWN_TIMEOUT),
                g.millis("healthcheck_timeout", DEFAULT_HEALTHCHECK_TIMEOUT),
                g.millis("healthcheck_delay", DEFAULT_HEALTHCHECK_DELAY),
                g.seconds("ban_time", DEFAULT_BAN_TIME),
                g.millis("idle_client_in_transaction_timeout", java.time.Duration.ZERO),
                g.millis("server_lifetime", DEFAULT_SERVER_LIFETIME),
                g.bool("server_round_robin", true),
                (int) g.integer("worker_threads", 1, Integer.MAX_VALUE, DEFAULT_WORKER_THREADS),
                // pgcat polls with a tokio interval, which cannot be zero.
                Optional.ofNullable(g.duration("autoreload", ChronoUnit.MILLIS, 1)),
                tlsCertificate,
                tlsPrivateKey,
                serverTls,
                verifyServerCertificate,
                serverTlsSslmode,
                serverTlsCaFile,
                adminUsername != null ? adminUsername : "",
                adminPassword != null ? adminPassword : "",
                g.choice("admin_auth_type", Choices.AUTH_TYPE, AuthType.MD5),
                g.bool("validate_config", true),
                authQuery,
                authQueryUser,
                authQueryPassword,
                g.millis("auth_query_cache_ttl", DEFAULT_AUTH_QUERY_CACHE_TTL),
                (int) g.integer("max_message_size", 1024, Integer.MAX_VALUE, DEFAULT_MAX_MESSAGE_SIZE),
                g.millis("shutdown_grace_period", DEFAULT_SHUTDOWN_GRACE_PERIOD),
                g.millis("client_login_timeout", DEFAULT_CLIENT_LOGIN_TIMEOUT),
                (int) g.integer("max_client_conn", 1, Integer.MAX_VALUE, DEFAULT_MAX_CLIENT_CONN),
                pinSessionState(g),
                authMockSecret(g),
                PatroniReader.read(g, PatroniSettings.DEFAULTS, false));
        g.reportUnknownKeys();
        return config;
    }

    /**
     * Ours: the key of the mock SCRAM exchange a name nobody knows gets (and of the salts of
     * plaintext passwords). Unset, each process makes its own, so two replicas (or one before and
     * after a restart) show one unknown name different salts while a real role's stays put.
     */
    private static String authMockSecret(TomlSection g) {
        String secret = g.secret("auth_mock_secret");
        if (secret != null && secret.length() < 16) {
            g.problems().error(g.path("auth_mock_secret"), "is shorter than 16 characters: make it a long random"
                    + " string (e.g. openssl rand -hex 32), the same on every replica");
            return null;
        }
        return secret;
    }

    private static boolean pinSessionState(TomlSection g) {
        boolean pin = g.bool("pin_session_state", true);
        if (!pin) {
            g.problems().warning(g.path("pin_session_state"), "is false: in transaction mode a client's temporary"
                    + " tables, WITH HOLD cursors, session advisory locks, PREPAREd statements and LISTENs are removed"
                    + " when it lets go of its server connection, and its next transaction no longer has them");
        }
        return pin;
    }

    /**
     * {@code server_tls_sslmode} when set, else pgcat's two keys. Either way nothing downgrades
     * silently: a verification asked for without TLS is a warning, and a mode chosen over the
     * pgcat keys says what it overrides.
     */
    private static ServerTlsMode serverTlsMode(TomlSection g, boolean serverTls, boolean verify) {
        ServerTlsMode fromPgcat = ServerTlsMode.of(serverTls, verify);
        ServerTlsMode chosen = g.choice("server_tls_sslmode", Choices.SERVER_TLS_SSLMODE);
        if (chosen == null) {
            if (verify && !serverTls) {
                g.problems().warning(g.path("verify_server_certificate"), "has no effect without server_tls = true"
                        + " (as in pgcat): connections to PostgreSQL are not encrypted; set server_tls = true"
                        + " (or server_tls_sslmode = \"verify-full\") to encrypt and verify them");
            }
            return fromPgcat;
        }
        if ((g.has("server_tls") || g.has("verify_server_certificate")) && chosen != fromPgcat) {
            g.problems().warning(g.path("server_tls_sslmode"), "\"" + chosen.configName() + "\" wins over server_tls = "
                    + serverTls + " / verify_server_certificate = " + verify + " (which mean \""
                    + fromPgcat.configName() + "\")");
        }
        return chosen;
    }

    /** {@code server_tls_ca_file}: read now, so a missing or broken file fails the load, not the first connection. */
    private static String serverTlsCaFile(TomlSection g, ServerTlsMode mode) {
        String caFile = g.string("server_tls_ca_file");
        if (caFile == null) {
            return null;
        }
        if (!mode.verifiesCertificate()) {
            g.problems().warning(g.path("server_tls_ca_file"), "is only used to verify server certificates,"
                    + " which server_tls_sslmode \"" + mode.configName() + "\" does not do (set"
                    + " verify_server_certificate = true or server_tls_sslmode = \"verify-ca\"/\"verify-full\")");
            return caFile;
        }
        try {
            PemCertificates.read(Path.of(caFile));
        } catch (IOException | RuntimeException e) {
            g.problems().error(g.path("server_tls_ca_file"), "cannot read CA certificates from " + caFile + ": "
                    + e.getMessage());
        }
        return caFile;
    }
}
