package io.pgrudder.patroni;

import java.util.Objects;

/**
 * One configured member: the host from the pool's {@code shards.N.servers} and its PostgreSQL
 * port. Patroni's REST API is polled on the same host at the API port.
 */
public record MemberAddress(String host, int pgPort) {
    public MemberAddress {
        Objects.requireNonNull(host, "host");
        if (pgPort < 1 || pgPort > 65535) {
            throw new IllegalArgumentException("bad PostgreSQL port " + pgPort);
        }
    }

    @Override
    public String toString() {
        return host + ":" + pgPort;
    }
}
