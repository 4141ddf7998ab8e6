package io.pgrudder.core.client;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.config.PoolMode;
import io.pgrudder.core.pool.ReleasePlan;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolingModeTest {

    @Test
    void sessionPoolingOpensWithTheClientsParametersAndDiscardsAll() {
        PoolingMode session = PoolingMode.of(PoolMode.SESSION);
        assertFalse(session.sharesServers());
        Map<String, String> startup = Map.of("application_name", "a", "TimeZone", "UTC");
        assertEquals(startup, session.openWith(startup));
        ServerConnection got = TestServerConnections.embedded();
        assertNull(session.syncSql(ClientParameters.fromStartup(startup), got), "opened with them: nothing to apply");
        assertEquals(ReleasePlan.DISCARD_ALL, session.cleanAfter(new RequestQueue(e -> { }), new SessionState(true, p -> { }), got));
        got.channel().close();
    }

    @Test
    void transactionPoolingSharesServersOpenedWithNoClientSettings() {
        PoolingMode transaction = PoolingMode.of(PoolMode.TRANSACTION);
        assertTrue(transaction.sharesServers());
        assertEquals(Map.of(), transaction.openWith(Map.of("TimeZone", "UTC")));
        CancelRegistry cancels = new CancelRegistry();
        CancelKey key = transaction.register(cancels, finished -> { }, null);
        assertTrue(key.processId() > 0, "a pid of our own, no server needed");
    }
}
