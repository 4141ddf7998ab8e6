package io.pgrudder.core.config;

import java.util.Objects;

/**
 * One entry of {@code mirrors = [[host, port, mirroring_target_index], ...]}: the mirror receives
 * a copy of the traffic sent to {@code servers[mirroringTargetIndex]} of the same shard.
 */
public record MirrorAddress(String host, int port, int mirroringTargetIndex) {
    public MirrorAddress {
        Objects.requireNonNull(host, "host");
    }
}
