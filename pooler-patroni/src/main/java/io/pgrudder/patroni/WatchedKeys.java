package io.pgrudder.patroni;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The followed keys' values as the etcd watch applied them, and which of them changed in a way
 * that matters ({@link DcsKeys#digest}) since the last {@link #drain()}. A range read replaces
 * them all; each watch event puts or deletes one. Confined to the watch's event loop.
 */
final class WatchedKeys {

    /** What changed since the last drain: the names whose digest changed, and whether any value did. */
    record Changes(List<String> names, boolean anyValue) {
    }

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, String> digests = new HashMap<>();
    private final List<String> changed = new ArrayList<>();
    private boolean anyValue;

    /** A range read: {@code now} (followed name to value) is all there is. */
    void replaceAll(Map<String, String> now) {
        for (Map.Entry<String, String> e : now.entrySet()) {
            put(e.getKey(), e.getValue());
        }
        for (String name : new ArrayList<>(values.keySet())) {
            if (!now.containsKey(name)) {
                delete(name);
            }
        }
    }

    void put(String name, String value) {
        String before = values.put(name, value);
        if (!value.equals(before)) {
            anyValue = true;
        }
        String digest = DcsKeys.digest(name, value);
        noteDigest(name, digests.put(name, digest), digest);
    }

    void delete(String name) {
        if (values.remove(name) != null) {
            anyValue = true;
        }
        noteDigest(name, digests.remove(name), null);
    }

    String value(String name) {
        return values.get(name);
    }

    DcsState snapshot(long revision) {
        return new DcsState(values, revision);
    }

    Changes drain() {
        Changes c = new Changes(List.copyOf(changed), anyValue);
        changed.clear();
        anyValue = false;
        return c;
    }

    private void noteDigest(String name, String before, String after) {
        if (!DcsKeys.valueOnly(name) && !Objects.equals(before, after) && !changed.contains(name)) {
            changed.add(name);
        }
    }
}
