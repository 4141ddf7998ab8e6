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

/** patroni_etcd_hosts, patroni_scope, patroni_namespace, patroni_watch_poll_interval and what is refused. */
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
    void tlsAndCredentialsAreRefusedNotIgnored() {
        List<String> errors = errors(config("use_patroni_api = true\npatroni_scope = \"demo\"\n"
                + "patroni_etcd_hosts = [\"10.0.0.1:2379\"]\npatroni_etcd_protocol = \"https\"\n"
                + "patroni_etcd_cacert = \"/ca.pem\"\npatroni_etcd_username = \"patroni\"\n"
                + "patroni_etcd_password = \"s3cret-etcd\"", "", "", ""));
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("general.patroni_etcd_protocol: only \"http\" is supported"), errors.get(0));
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("general.patroni_etcd_cacert: not supported yet")));
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("general.patroni_etcd_username: not supported yet")));
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("general.patroni_etcd_password: not supported yet")));
        assertTrue(errors.stream().noneMatch(e -> e.contains("s3cret-etcd")), "secrets never reach messages");
    }

    @Test
    void plainHttpProtocolIsFine() throws ConfigException {
        assertEquals(List.of(), warnings(parse(config("patroni_etcd_protocol = \"http\"", "", "", ""))));
    }
}
