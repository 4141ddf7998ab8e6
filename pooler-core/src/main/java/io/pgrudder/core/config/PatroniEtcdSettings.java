package io.pgrudder.core.config;

import java.util.List;
import java.util.Objects;

/**
 * Where Patroni keeps its cluster state in etcd (its {@code etcd3} DCS), for pgrudder's watch:
 * keys {@code patroni_etcd_hosts}, {@code patroni_scope}, {@code patroni_namespace}. Each key is
 * resolved on its own (pool, else {@code [general]}); the watch is on when {@link #hosts()} is
 * not empty.
 *
 * @param hosts     etcd's client endpoints, tried in turn; empty = no watch
 * @param scope     Patroni's {@code scope} (the cluster name), null while not set
 * @param namespace Patroni's {@code namespace} as written ({@code /service} by default)
 */
public record PatroniEtcdSettings(List<Endpoint> hosts, String scope, String namespace) {

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
    }

    public boolean watching() {
        return !hosts.isEmpty();
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
}
