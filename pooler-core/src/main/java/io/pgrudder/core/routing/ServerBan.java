package io.pgrudder.core.routing;

import io.pgrudder.core.config.ServerAddress;

/**
 * A server a pool does not send new connections to for a while, as pgcat's SHOW BANS lists it.
 *
 * @param server           the banned server
 * @param reason           pgcat's reason: {@code AdminBan} (the admin console's BAN) or {@code FailedCheckout}
 *                         (a connection to it failed; {@code ban_time})
 * @param since            when the ban began, seconds since the epoch
 * @param durationSeconds  how long it lasts
 * @param remainingSeconds how much of it is left (rounded up)
 */
public record ServerBan(ServerAddress server, String reason, long since, long durationSeconds, long remainingSeconds) {
    public static final String ADMIN = "AdminBan";
    public static final String FAILED_CHECKOUT = "FailedCheckout";
}
