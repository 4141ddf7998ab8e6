package io.pgrudder.core.routing;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FixedReplicasTest {
    private static final ServerAddress PRIMARY = new ServerAddress("p", 5432, Role.PRIMARY);
    private static final ServerAddress R1 = new ServerAddress("r1", 5432, Role.REPLICA);
    private static final ServerAddress R2 = new ServerAddress("r2", 5432, Role.REPLICA);
    private static final PgException REFUSED = PgException.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "refused");

    private final AtomicLong now = new AtomicLong(1_000);
    private final FixedReplicas target = new FixedReplicas(List.of(PRIMARY, R1, R2), Duration.ofSeconds(60), now::get);

    private Set<ServerAddress> picks(int n) {
        Set<ServerAddress> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            seen.add(target.address().orElseThrow());
        }
        return seen;
    }

    @Test
    void replicasAreUsedInTurnAndThePrimaryNever() {
        assertEquals(Set.of(R1, R2), picks(4));
        assertEquals(2, target.spread());
    }

    @Test
    void aReplicaThatFailedIsSkippedUntilItsBanEnds() {
        target.connectFailed(new ServerAddress("r1", 5432, Role.PRIMARY), REFUSED);
        assertEquals(Set.of(R2), picks(4));
        assertEquals(1, target.spread());
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertEquals(Set.of(R2), picks(4));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertEquals(Set.of(R1, R2), picks(4));
    }

    @Test
    void whenEveryReplicaIsBannedAllAreTriedAgain() {
        target.connectFailed(R1, REFUSED);
        target.connectFailed(R2, REFUSED);
        assertEquals(Set.of(R1, R2), picks(4));
    }

    @Test
    void aLoneReplicaIsNeverBanned() {
        FixedReplicas one = new FixedReplicas(List.of(PRIMARY, R1), Duration.ofSeconds(60), now::get);
        one.connectFailed(R1, REFUSED);
        assertEquals(R1, one.address().orElseThrow());
    }
}
