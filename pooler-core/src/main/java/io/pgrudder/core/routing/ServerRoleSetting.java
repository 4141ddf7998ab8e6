package io.pgrudder.core.routing;

import java.util.Locale;
import java.util.Optional;

/** The values of pgcat's {@code SET SERVER ROLE TO '…'}. */
public enum ServerRoleSetting {
    /** Everything to the primary. */
    PRIMARY,
    /** Reads to the replicas; anything not known to be a read still to the primary. */
    REPLICA,
    /** Reads to the primary and the replicas alike; the rest to the primary. */
    ANY,
    /** Reads and writes told apart by the query parser, as with query_parser_read_write_splitting. */
    AUTO,
    /** Back to the pool's default_role and query parser settings. */
    DEFAULT;

    public static Optional<ServerRoleSetting> parse(String value) {
        try {
            return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
