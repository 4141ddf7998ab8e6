package io.pgrudder.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;

/** Bans on a frozen clock: admin bans hold even over every replica, failed-connection bans do not. */
class ReplicaBansTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ReplicaBans bans = new ReplicaBans(now::get);
    private static final ServerAddress A = new ServerAddress("10.0.0.1", 5432, Role.REPLICA);
    private static final ServerAddress B = new ServerAddress("10.0.0.2", 5432, Role.REPLICA);
    private static final ServerAddress B2 = new ServerAddress("10.0.0.2", 5433, Role.REPLICA);

    @Test
    void anAdminBanByHostOrHostAndPortLastsItsDurationAndIsListed() {
        assertEquals(List.of(B, B2), bans.banMatching("10.0.0.2", List.of(A, B, B2), Duration.ofSeconds(60)));
        assertEquals(List.of(A), bans.usable(List.of(A, B, B2)));
        now.addAndGet(Duration.ofSeconds(59).toNanos() + 1);
        assertEquals(1, bans.list().get(0).remainingSeconds(), "rounded up");
        assertEquals(ServerBan.ADMIN, bans.list().get(0).reason());
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(List.of(A, B, B2), bans.usable(List.of(A, B, B2)), "expired");
        assertTrue(bans.list().isEmpty());

        assertEquals(List.of(B2), bans.banMatching("10.0.0.2:5433", List.of(A, B, B2), Duration.ofSeconds(60)));
        assertEquals(List.of(B2), bans.unbanMatching("10.0.0.2:5433"));
        assertTrue(bans.isEmpty());
    }

    @Test
    void adminBansOverEveryReplicaLeaveNoneButFailedConnectionsNeverDo() {
        bans.banMatching("10.0.0.1", List.of(A, B), Duration.ofSeconds(60));
        bans.banMatching("10.0.0.2", List.of(A, B), Duration.ofSeconds(60));
        assertEquals(List.of(), bans.usable(List.of(A, B)), "the operator took them all out");

        ReplicaBans failed = new ReplicaBans(now::get);
        failed.ban(A, Duration.ofSeconds(60), ServerBan.FAILED_CHECKOUT);
        assertEquals(List.of(B), failed.usable(List.of(A, B)));
        failed.ban(B, Duration.ofSeconds(60), ServerBan.FAILED_CHECKOUT);
        assertEquals(List.of(A, B), failed.usable(List.of(A, B)), "pgcat: unbanning all replicas");
        assertTrue(failed.isEmpty());
    }
}
