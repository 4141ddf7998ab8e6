package io.pgrudder.core.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** Reads pgrudder's Patroni keys from {@code [general]} or, as overrides, from a pool. */
final class PatroniReader {
    private PatroniReader() {
    }

    /**
     * @param pool the section is a pool's: its settings are the ones used, so a watch without a
     *             scope is an error here (a {@code [general]} without one may leave it to each pool)
     */
    static PatroniSettings read(TomlSection s, PatroniSettings inherited, boolean pool) {
        boolean use = s.bool("use_patroni_api", inherited.usePatroniApi());
        int port = (int) s.integer("patroni_api_port", 1, 65535, inherited.apiPort());
        String protocol = s.choice("patroni_api_protocol", Choices.PATRONI_API_PROTOCOL, inherited.apiProtocol());
        Path ca = inherited.apiCa();
        String caText = s.string("patroni_api_ca");
        if (caText != null) {
            try {
                ca = Path.of(caText);
            } catch (InvalidPathException e) {
                s.problems().error(s.path("patroni_api_ca"), "not a valid file path: " + e.getReason());
            }
            if (!"https".equals(protocol)) {
                s.problems().warning(s.path("patroni_api_ca"), "only used with patroni_api_protocol = \"https\"");
            }
        }
        Duration poll = s.duration("patroni_poll_interval", ChronoUnit.MILLIS, 1, inherited.pollInterval());
        Duration watchPoll = s.duration("patroni_watch_poll_interval", ChronoUnit.MILLIS, 1,
                inherited.watchPollInterval());
        Duration timeout = s.duration("patroni_api_timeout", ChronoUnit.MILLIS, 1, inherited.apiTimeout());
        Duration leaderWait = s.millis("leader_wait_timeout", inherited.leaderWaitTimeout());
        Long lag = s.integer("max_replica_lag", 0, Long.MAX_VALUE);
        PatroniEtcdSettings etcd = PatroniEtcdReader.read(s, inherited.etcd(), pool);
        if (pool && use && etcd.watching() && etcd.scope() == null) {
            s.problems().error(s.path("patroni_scope"), "required with patroni_etcd_hosts (Patroni's scope, the"
                    + " cluster name; set it in the pool or in [general])");
        }
        String apiUser = s.has("patroni_api_username") ? s.string("patroni_api_username")
                : inherited.apiCredentials().username();
        String apiPassword = s.has("patroni_api_password") ? s.secret("patroni_api_password")
                : inherited.apiCredentials().password();
        if (pool && use && (apiUser == null) != (apiPassword == null)) {
            s.problems().error(s.path(apiUser == null ? "patroni_api_username" : "patroni_api_password"),
                    "patroni_api_username and patroni_api_password go together (Patroni's restapi.authentication)");
            apiUser = null;
            apiPassword = null;
        }
        return new PatroniSettings(use, port, protocol, ca, poll, timeout, leaderWait,
                lag != null ? lag : inherited.maxReplicaLag(), etcd, watchPoll,
                new PatroniApiCredentials(apiUser, apiPassword));
    }
}
