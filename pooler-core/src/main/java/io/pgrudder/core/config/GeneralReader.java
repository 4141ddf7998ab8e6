package io.pgrudder.core.config;

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
                g.bool("server_tls", false),
                g.bool("verify_server_certificate", false),
                adminUsername != null ? adminUsername : "",
                adminPassword != null ? adminPassword : "",
                g.choice("admin_auth_type", Choices.AUTH_TYPE, AuthType.MD5),
                g.bool("validate_config", true),
                authQuery,
                authQueryUser,
                authQueryPassword,
                (int) g.integer("max_message_size", 1024, Integer.MAX_VALUE, DEFAULT_MAX_MESSAGE_SIZE),
                g.millis("shutdown_grace_period", DEFAULT_SHUTDOWN_GRACE_PERIOD),
                PatroniReader.read(g, PatroniSettings.DEFAULTS));
        g.reportUnknownKeys();
        return config;
    }
}
