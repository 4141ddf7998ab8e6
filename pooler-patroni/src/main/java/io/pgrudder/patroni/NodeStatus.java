package io.pgrudder.patroni;

import java.util.Optional;

/**
 * One member's answer to {@code GET /patroni}: its own view of itself.
 *
 * @param role     {@code master} (Patroni up to 3.3), {@code primary} (4.0+), {@code replica},
 *                 {@code standby_leader}, {@code demoted}, ... as Patroni wrote it
 * @param state    PostgreSQL's state: {@code running}, {@code stopping}, {@code stopped}, ...
 * @param timeline 0 when absent (PostgreSQL not running)
 * @param name     {@code patroni.name} (4.x only)
 * @param scope    {@code patroni.scope}
 */
public record NodeStatus(
        String role,
        String state,
        long timeline,
        boolean paused,
        Optional<String> name,
        Optional<String> scope,
        boolean noLoadBalance,
        boolean noFailover) {

    /** Runs as a writable primary in its own eyes: role master/primary and state running. */
    public boolean isRunningPrimary() {
        return ("master".equals(role) || "primary".equals(role)) && "running".equals(state);
    }
}
