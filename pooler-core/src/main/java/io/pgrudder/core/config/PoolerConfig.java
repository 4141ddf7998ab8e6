package io.pgrudder.core.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One immutable snapshot of a {@code pgcat.toml}: built by {@link ConfigLoader}, swapped
 * atomically on reload.
 *
 * @param path the file it was read from
 * @param pools ordered by pool name
 * @param warnings problems that did not stop the file from loading (unknown keys, ignored plugins)
 */
public record PoolerConfig(Path path, GeneralConfig general, Map<String, PoolConfig> pools,
                           List<ConfigProblem> warnings) {

    public PoolerConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(general, "general");
        pools = Collections.unmodifiableSortedMap(new TreeMap<>(pools));
        warnings = List.copyOf(warnings);
    }

    /** The pool clients reach with this database name. */
    public Optional<PoolConfig> pool(String name) {
        return Optional.ofNullable(pools.get(name));
    }
}
