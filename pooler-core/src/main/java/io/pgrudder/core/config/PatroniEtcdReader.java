package io.pgrudder.core.config;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the etcd keys of pgrudder's DCS watch ({@code patroni_etcd_hosts}, {@code patroni_scope},
 * {@code patroni_namespace}), each inherited on its own, and refuses the keys of Patroni's
 * {@code etcd3} section the watch does not speak yet (TLS, authentication) rather than
 * ignoring them: a watch that silently connected without them would not be the one configured.
 */
final class PatroniEtcdReader {
    /** Patroni's etcd3 TLS and credential keys, under our prefix. */
    private static final List<String> NOT_YET = List.of(
            "patroni_etcd_cacert", "patroni_etcd_cert", "patroni_etcd_key",
            "patroni_etcd_username", "patroni_etcd_password");

    private PatroniEtcdReader() {
    }

    static PatroniEtcdSettings read(TomlSection s, PatroniEtcdSettings inherited) {
        List<PatroniEtcdSettings.Endpoint> hosts = inherited.hosts();
        JsonNode hostsNode = s.get("patroni_etcd_hosts");
        if (hostsNode != null) {
            hosts = hosts(s, hostsNode);
        }
        String scope = s.string("patroni_scope");
        if (scope != null && (scope.isEmpty() || scope.contains("/"))) {
            s.problems().error(s.path("patroni_scope"), "expected Patroni's scope (the cluster name, no \"/\"), got "
                    + TomlSection.quote(scope));
        }
        String namespace = s.string("patroni_namespace");
        String protocol = s.string("patroni_etcd_protocol");
        if (protocol != null && !protocol.equals("http")) {
            s.problems().error(s.path("patroni_etcd_protocol"), "only \"http\" is supported: the etcd watch does not"
                    + " speak TLS yet (leave out patroni_etcd_hosts to follow Patroni through its REST API alone)");
        }
        for (String key : NOT_YET) {
            if (s.has(key)) {
                s.secret(key); // read as a secret: its value is never echoed
                s.problems().error(s.path(key), "not supported yet: the etcd watch connects without TLS client"
                        + " certificates or authentication (leave out patroni_etcd_hosts to follow Patroni through"
                        + " its REST API alone)");
            }
        }
        return new PatroniEtcdSettings(hosts, scope != null ? scope : inherited.scope(),
                namespace != null ? namespace : inherited.namespace());
    }

    /** A list of "host:port" strings (port 2379 when left out), or one comma-separated string, as Patroni takes. */
    private static List<PatroniEtcdSettings.Endpoint> hosts(TomlSection s, JsonNode node) {
        String path = s.path("patroni_etcd_hosts");
        List<String> texts = new ArrayList<>();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String text = s.string(path + "." + i, node.get(i), false);
                if (text != null) {
                    texts.add(text);
                }
            }
        } else {
            String text = s.string(path, node, false);
            if (text != null && !text.isBlank()) {
                for (String part : text.split(",")) {
                    texts.add(part.trim());
                }
            }
        }
        List<PatroniEtcdSettings.Endpoint> hosts = new ArrayList<>();
        for (String text : texts) {
            PatroniEtcdSettings.Endpoint endpoint = endpoint(text);
            if (endpoint == null) {
                s.problems().error(path, "expected \"host:port\" (port 1 to 65535), got " + TomlSection.quote(text));
            } else if (!hosts.contains(endpoint)) {
                hosts.add(endpoint);
            }
        }
        boolean empty = node.isArray() ? node.isEmpty() : node.isTextual() && node.textValue().isBlank();
        if (empty) {
            s.problems().error(path, "expected at least one \"host:port\"");
        }
        return hosts;
    }

    private static PatroniEtcdSettings.Endpoint endpoint(String text) {
        String host = text;
        int port = PatroniEtcdSettings.DEFAULT_PORT;
        int colon = text.lastIndexOf(':');
        boolean bracketed = text.startsWith("[");
        if (bracketed) {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                Integer p = port(rest.substring(1));
                if (p == null) {
                    return null;
                }
                port = p;
            }
        } else if (colon >= 0) {
            if (text.indexOf(':') != colon) {
                return null; // a bare IPv6 address: write it as [addr]:port
            }
            host = text.substring(0, colon);
            Integer p = port(text.substring(colon + 1));
            if (p == null) {
                return null;
            }
            port = p;
        }
        if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
            return null;
        }
        return new PatroniEtcdSettings.Endpoint(host, port);
    }

    private static Integer port(String text) {
        try {
            int p = Integer.parseInt(text);
            return p >= 1 && p <= 65535 ? p : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
