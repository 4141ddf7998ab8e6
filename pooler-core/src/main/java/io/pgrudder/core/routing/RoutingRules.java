package io.pgrudder.core.routing;

import io.pgrudder.core.config.DefaultRole;
import io.pgrudder.core.config.PoolConfig;

import java.util.Objects;

/**
 * A pool's routing settings from pgcat.toml: {@code default_role}, {@code query_parser_enabled},
 * {@code query_parser_read_write_splitting}, {@code primary_reads_enabled} and
 * {@code query_parser_max_length} (null: no limit). Immutable.
 */
public record RoutingRules(DefaultRole defaultRole, boolean queryParserEnabled, boolean readWriteSplitting,
                           boolean primaryReadsEnabled, Integer queryParserMaxLength) {
    /** Everything to the primary: what a pool without replicas does. */
    public static final RoutingRules PRIMARY_ONLY = new RoutingRules(DefaultRole.PRIMARY, false, false, false, null);

    public RoutingRules {
        Objects.requireNonNull(defaultRole, "defaultRole");
    }

    public static RoutingRules of(PoolConfig pool) {
        return new RoutingRules(pool.defaultRole(), pool.queryParserEnabled(), pool.queryParserReadWriteSplitting(),
                pool.primaryReadsEnabled(), pool.queryParserMaxLength());
    }

    /** pgcat splits reads from writes only with both query_parser_enabled and query_parser_read_write_splitting. */
    public boolean splitsReads() {
        return queryParserEnabled && readWriteSplitting;
    }
}
