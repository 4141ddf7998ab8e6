package io.pgrudder.core.config;

import static io.pgrudder.core.config.TestConfigs.config;
import static io.pgrudder.core.config.TestConfigs.errors;
import static io.pgrudder.core.config.TestConfigs.parse;
import static io.pgrudder.core.config.TestConfigs.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** patroni_etcd_hosts, patroni_scope, patroni_namespace, patroni_watch_poll_interval, TLS and credentials. */
class PatroniEtcdConfigTest {

    private static final PatroniEtcdSettings.Endpoint E1 = new PatroniEtcdSettings.Endpoint("10.0.0.1", 2379);

    @Test
    void noWatchByDefault() throws ConfigException {
        PatroniSettings p = parse(config("use_patroni_api = true", "", "", "")).pool("db").orElseThrow().patroni();
        assertFalse(p.etcd().watching());
        assertEquals("/service", p.etcd().namespace());
        assertEquals(Duration.ofMillis(10_000), p.watchPollInterval());
        assertEquals(Duration.ofMillis(1000), p.pollInterval());
    }

    @Test
    void poolsInheritEachKeyOnItsOwn() throws ConfigException {
        PoolerConfig c = parse(config("use_patroni_api = true\npatroni_etcd_hosts = [\"10.0.0.1:2379\", \"10.0.0.2\"]\n"
                        + "patroni_namespace = \"/pg\"\npatroni_watch_poll_interval = 30000",
                "patroni_scope = \"demo\"", "", ""));
        PatroniEtcdSettings etcd = c.pool("db").orElseThrow().patroni().etcd();
        assertEquals(List.of(E1, new PatroniEtcdSettings.Endpoint("10.0.0.2", 2379)), etcd.hosts());
        assertEquals("demo", etcd.scope());
        assertEquals("/pg/demo/", etcd.clusterPrefix());
        assertEquals(Duration.ofMillis(30_000), c.pool("db").orElseThrow().patroni().watchPollInterval());
        assertEquals(List.of(), warnings(c));
    }

    @Test
    void aCommaSeparatedStringAsPatroniTakesIt() throws ConfigException {
        PoolerConfig c = parse(config("use_patroni_api = true\npatroni_scope = \"demo\"\n"
                + "patroni_etcd_hosts = \"10.0.0.1:2379, [::1]:2381\"", "", "", ""));
        assertEquals(List.of(E1, new PatroniEtcdSettings.Endpoint("::1", 2381)),
                c.pool("db").orElseThrow().patroni().etcd().hosts());
    }

    @Test
    void aWatchNeedsTheScope() {
        assertEquals(List.of("pools.db.patroni_scope: required with patroni_etcd_hosts (Patroni's scope, the cluster"
                + " name; set it in the pool or in [general])"),
                errors(config("use_patroni_api = true\npatroni_etcd_hosts = [\"10.0.0.1:2379\"]", "", "", "")));
    }

    @Test
    void badHostsAreNamed() {
        assertEquals(List.of(
                "general.patroni_etcd_hosts: expected \"host:port\" (port 1 to 65535), got \"10.0.0.1:0\"",
                "general.patroni_etcd_hosts: expected \"host:port\" (port 1 to 65535), got \"::1\""),
                errors(config("patroni_etcd_hosts = [\"10.0.0.1:0\", \"::1\"]", "", "", "")));
        assertEquals(List.of("general.patroni_etcd_hosts.0: expected a string, got 2379"),
                errors(config("patroni_etcd_hosts = [2379]", "", "", "")));
    }

    @Test
    void tlsAndCredentialsAsPatronisEtcd3SectionHasThem() throws ConfigException {
        PoolerConfig c = parse(config("use_patroni_api = true\npatroni_scope = \"demo\"\n"
                + "patroni_etcd_hosts = [\"10.0.0.1:2379\"]\npatroni_etcd_protocol = \"https\"\n"
                + "patroni_etcd_cacert = \"/etc/etcd/ca.pem\"\npatroni_etcd_cert = \"/etc/etcd/client.pem\"\n"
                + "patroni_etcd_key = \"/etc/etcd/client.key\"\npatroni_etcd_username = \"pgrudder\"",
                "patroni_etcd_password = \"s3cret-etcd\"", "", ""));
        PatroniEtcdSettings etcd = c.pool("db").orElseThrow().patroni().etcd();
        assertTrue(etcd.tls());
        assertEquals(java.nio.file.Path.of("/etc/etcd/ca.pem"), etcd.cacert());
        assertEquals(java.nio.file.Path.of("/etc/etcd/client.pem"), etcd.cert());
        assertEquals(java.nio.file.Path.of("/etc/etcd/client.key"), etcd.key());
        assertEquals("pgrudder", etcd.username());
        assertEquals("s3cret-etcd", etcd.password());
        assertFalse(etcd.toString().contains("s3cret-etcd"), "the password never reaches a log line");
        assertEquals(List.of(), warnings(c));
    }

    @Test
    void halvesOfAPairAndTlsFilesWithoutHttpsAreErrorsNamingTheKey() throws ConfigException {
        List<String> errors = errors(config("use_patroni_api = true\npatroni_scope = \"demo\"\n"
                + "patroni_etcd_hosts = [\"10.0.0.1:2379\"]\npatroni_etcd_cacert = \"/ca.pem\"\n"
                + "patroni_etcd_password = \"s3cret-etcd\"", "", "", ""));
        assertEquals(List.of("pools.db.patroni_etcd_cacert: needs patroni_etcd_protocol = \"https\"",
                "pools.db.patroni_etcd_username: patroni_etcd_username and patroni_etcd_password go together"), errors);
        assertEquals(List.of("pools.db.patroni_etcd_key: patroni_etcd_cert and patroni_etcd_key go together (the client"
                        + " certificate and its private key)"),
                errors(config("use_patroni_api = true\npatroni_scope = \"demo\"\npatroni_etcd_hosts = [\"10.0.0.1\"]\n"
                        + "patroni_etcd_protocol = \"https\"\npatroni_etcd_cert = \"/c.pem\"", "", "", "")));
        assertEquals(List.of(), warnings(parse(config("patroni_etcd_username = \"u\"", "", "", ""))),
                "a half in [general] where no pool watches is nobody's business");
        assertEquals(List.of("general.patroni_etcd_protocol: expected \"http\" or \"https\", got \"grpc\""),
                errors(config("patroni_etcd_protocol = \"grpc\"", "", "", "")));
    }

    @Test
    void patroniApiCredentialsForSwitchoverArePairedAndNeverPrinted() throws ConfigException {
        PoolerConfig c = parse(config("use_patroni_api = true\npatroni_api_username = \"patroni\"",
                "patroni_api_password = \"api-S3cret\"", "", ""));
        PatroniApiCredentials credentials = c.pool("db").orElseThrow().patroni().apiCredentials();
        assertEquals("patroni", credentials.username());
        assertEquals(java.util.Optional.of("Basic " + java.util.Base64.getEncoder().encodeToString(
                "patroni:api-S3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8))), credentials.basicAuthorization());
        assertFalse(c.toString().contains("api-S3cret"), c.toString());
        assertEquals(List.of("pools.db.patroni_api_password: patroni_api_username and patroni_api_password go together"
                        + " (Patroni's restapi.authentication)"),
                errors(config("use_patroni_api = true\npatroni_api_username = \"patroni\"", "", "", "")));
    }

    @Test
    void plainHttpProtocolIsFine() throws ConfigException {
        assertEquals(List.of(), warnings(parse(config("patroni_etcd_protocol = \"http\"", "", "", ""))));
    }
}
