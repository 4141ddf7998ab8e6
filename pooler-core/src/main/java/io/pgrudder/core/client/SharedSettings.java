package io.pgrudder.core.client;

import io.pgrudder.core.client.ClientParameters.Setting;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One immutable map for each distinct set of client settings in use, shared by every client that
 * has it (read and written from every client loop). Bounded: past {@link #LIMIT} distinct sets it
 * starts again, so a client whose settings are unique costs what it cost before, no more.
 */
final class SharedSettings {
    static final int LIMIT = 4096;

    private final Map<Map<String, Setting>, Map<String, Setting>> shared = new ConcurrentHashMap<>();

    /** The shared map equal to {@code settings} (taken over, not copied, when it is the first). */
    Map<String, Setting> of(Map<String, Setting> settings) {
        if (settings.isEmpty()) {
            return Map.of();
        }
        Map<String, Setting> known = shared.get(settings);
        if (known != null) {
            return known;
        }
        if (shared.size() >= LIMIT) {
            shared.clear();
        }
        Map<String, Setting> mine = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        Map<String, Setting> raced = shared.putIfAbsent(mine, mine);
        return raced != null ? raced : mine;
    }

    int size() {
        return shared.size();
    }
}
