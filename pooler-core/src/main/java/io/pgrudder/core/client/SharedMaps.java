package io.pgrudder.core.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One immutable map for each distinct map in use (a client's startup parameters, its settings),
 * shared by every client that has it; read and written from every client loop. Most clients of a
 * pool have the same ones, so an idle client carries no copy of its own, and comparing two
 * clients' maps is an identity test. Bounded: past {@link #LIMIT} distinct maps it starts again,
 * so a client whose map is unique costs what it cost before, no more.
 */
final class SharedMaps<V> {
    static final int LIMIT = 4096;

    private final Map<Map<String, V>, Map<String, V>> shared = new ConcurrentHashMap<>();

    /** The shared map equal to {@code settings}: a read-only copy of it, when it is the first. */
    Map<String, V> of(Map<String, V> settings) {
        if (settings.isEmpty()) {
            return Map.of();
        }
        Map<String, V> known = shared.get(settings);
        if (known != null) {
            return known;
        }
        if (shared.size() >= LIMIT) {
            shared.clear();
        }
        Map<String, V> mine = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        Map<String, V> raced = shared.putIfAbsent(mine, mine);
        return raced != null ? raced : mine;
    }

    int size() {
        return shared.size();
    }
}
