package io.pgrudder.core.routing;

/** Which of a (database, user)'s pools a transaction goes to. */
public enum Destination {
    /** The primary (Patroni's leader): writes, and whatever is not known to be a read. */
    PRIMARY,
    /** The healthy replicas (the primary when none is). */
    REPLICA,
    /** The primary and the replicas alike (reads with primary_reads_enabled, or SET SERVER ROLE TO 'any'). */
    ANY
}
