package io.pgrudder.patroni;

import java.util.Map;
import java.util.Optional;

/**
 * Patroni's keys under {@code <namespace>/<scope>/} as the etcd watch last applied them: each
 * followed key's name ({@code leader}, {@code members/node1}, {@code status}, ...) and its whole
 * value, at etcd revision {@code revision}. Immutable.
 */
record DcsState(Map<String, String> values, long revision) {

    DcsState {
        values = Map.copyOf(values);
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }
}
