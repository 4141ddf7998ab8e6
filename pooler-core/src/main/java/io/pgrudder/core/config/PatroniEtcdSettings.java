package io.pgrudder.core.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Where Patroni keeps its cluster state in etcd (its {@code etcd3} DCS), for pgrudder's watch:
 * keys {@code patroni_etcd_hosts}, {@code patroni_scope}, {@code patroni_namespace}, and the
 * TLS and credential keys of Patroni's {@code etcd3} section under our prefix
 * ({@code patroni_etcd_protocol}, {@code _cacert}, {@code _cert}, {@code _key}, {@code _username},
 * {@code _password}). Each key is resolved on its own (pool, else {@code [general]}); the watch is
 * on when {@link #hosts()} is not empty.
 *
 * @param hosts     etcd's client endpoints, tried in turn; empty = no watch
 * @param scope     Patroni's {@code scope} (the cluster name), null while not set
 * @param namespace Patroni's {@code namespace} as written ({@code /service} by default)
 * @param protocol  "http" or "https"
 * @param cacert    CA bundle that signed etcd's certificate (https); null = the JVM's trust store
 * @param cert      client certificate (PEM) for etcd's {@code --client-cert-auth}; null = none
 * @param key       its private key (PEM, PKCS#8, unencrypted); in a pool, set exactly when {@code cert} is
 * @param username  etcd user (etcd's own authentication); null = none
 * @param password  its password; in a pool, set exactly when {@code username} is. Never printed.
 */
public record PatroniEtcdSettings(List<Endpoint> hosts, String scope, String namespace, String protocol,
                                  Path cacert, Path cert, Path key, String username, String password) {

    public static final String DEFAULT_NAMESPACE = "/service";
    public static final int DEFAULT_PORT = 2379;
    public static final PatroniEtcdSettings NONE = new PatroniEtcdSettings(List.of(), null, DEFAULT_NAMESPACE);

    /** One etcd client endpoint. */
    public record Endpoint(String host, int port) {
        public Endpoint {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad etcd port " + port);
            }
        }

        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    public PatroniEtcdSettings {
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(protocol, "protocol");
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw new IllegalArgumentException("etcd protocol " + protocol);
        }
    }

    /** Plain HTTP, no credentials. */
    public PatroniEtcdSettings(List<Endpoint> hosts, String scope, String namespace) {
        this(hosts, scope, namespace, "http", null, null, null, null, null);
    }

    public boolean watching() {
        return !hosts.isEmpty();
    }

    public boolean tls() {
        return protocol.equals("https");
    }

    /**
     * The prefix of the cluster's keys, as Patroni builds it: {@code /<namespace>/<scope>/} with
     * runs of slashes collapsed ({@code /service/demo/}).
     */
    public String clusterPrefix() {
        if (scope == null) {
            throw new IllegalStateException("no patroni_scope");
        }
        return ("/" + namespace + "/" + scope + "/").replaceAll("/+", "/");
    }

    /**
     * Tells these settings apart from others with another password without holding it: the first
     * 8 bytes of a SHA-256 of user and password (for keys such as which poller a pool shares).
     */
    public String credentialsFingerprint() {
        if (username == null) {
            return "-";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((username + '\0' + password).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "PatroniEtcdSettings[hosts=" + hosts + ", scope=" + scope + ", namespace=" + namespace + ", protocol="
                + protocol + ", cacert=" + cacert + ", cert=" + cert + ", key=" + key + ", username=" + username
                + ", password=" + (password == null ? "none" : "(set, " + credentialsFingerprint() + ")") + "]";
    }
}
