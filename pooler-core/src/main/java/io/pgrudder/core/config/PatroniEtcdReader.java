package io.pgrudder.core.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the etcd keys of pgrudder's DCS watch ({@code patroni_etcd_hosts}, {@code patroni_scope},
 * {@code patroni_namespace}) and the TLS and credential keys of Patroni's {@code etcd3} section
 * under our prefix ({@code patroni_etcd_protocol}, {@code _cacert}, {@code _cert}, {@code _key},
 * {@code _username}, {@code _password}), each inherited on its own. A certificate without its key,
 * a user without a password (or the other way round) is an error naming the key; the password is
 * read as a secret and never echoed.
 */
final class PatroniEtcdReader {

    private PatroniEtcdReader() {
    }

    /**
     * @param pool whether {@code s} is a pool (its keys are final: a half pair is an error) or
     *             {@code [general]} (a pool may still give the other half)
     */
    static PatroniEtcdSettings read(TomlSection s, PatroniEtcdSettings inherited, boolean pool) {
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
        String protocol = s.choice("patroni_etcd_protocol", Choices.PATRONI_API_PROTOCOL, inherited.protocol());
        Path cacert = path(s, "patroni_etcd_cacert", inherited.cacert());
        Path cert = path(s, "patroni_etcd_cert", inherited.cert());
        Path key = path(s, "patroni_etcd_key", inherited.key());
        String username = s.has("patroni_etcd_username") ? s.string("patroni_etcd_username") : inherited.username();
        String password = s.has("patroni_etcd_password") ? s.secret("patroni_etcd_password") : inherited.password();
        if (!protocol.equals("https")) {
            for (String k : List.of("patroni_etcd_cacert", "patroni_etcd_cert", "patroni_etcd_key")) {
                if (s.has(k)) {
                    s.problems().error(s.path(k), "needs patroni_etcd_protocol = \"https\"");
                }
            }
        }
        if (pool && (cert == null) != (key == null)) {
            s.problems().error(s.path(cert == null ? "patroni_etcd_cert" : "patroni_etcd_key"), "patroni_etcd_cert and"
                    + " patroni_etcd_key go together (the client certificate and its private key)");
            cert = null;
            key = null;
        }
        if (pool && (username == null) != (password == null)) {
            s.problems().error(s.path(username == null ? "patroni_etcd_username" : "patroni_etcd_password"),
                    "patroni_etcd_username and patroni_etcd_password go together");
            username = null;
            password = null;
        }
        return new PatroniEtcdSettings(hosts, scope != null ? scope : inherited.scope(),
                namespace != null ? namespace : inherited.namespace(), protocol,
                protocol.equals("https") ? cacert : null, protocol.equals("https") ? cert : null,
                protocol.equals("https") ? key : null, username, password);
    }

    private static Path path(TomlSection s, String key, Path inherited) {
        String text = s.string(key);
        if (text == null) {
            return inherited;
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            s.problems().error(s.path(key), "not a valid file path: " + e.getReason());
            return inherited;
        }
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
