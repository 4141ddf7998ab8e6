package io.pgrudder.core.client;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ParameterSyncTest {
    private final ServerConnection server = TestServerConnections.embedded();

    @AfterEach
    void close() {
        server.channel().close();
    }

    private static ClientParameters wanting(Map<String, String> session) {
        ClientParameters p = ClientParameters.fromStartup(Map.of());
        Map<String, ClientParameters.Setting> s = new java.util.LinkedHashMap<>();
        session.forEach((k, v) -> s.put(k, new ClientParameters.Setting(k, v)));
        p.confirmed(s);
        return p;
    }

    @Test
    void theRoleComesLastSoASuperuserSettingBeforeItIsAllowed() {
        String sql = ParameterSync.sql(wanting(new java.util.LinkedHashMap<>(Map.of("role", "bob",
                "session_replication_role", "replica"))), server);
        assertEquals("RESET \"role\"; RESET \"session_replication_role\"; SELECT "
                + "pg_catalog.set_config('session_replication_role', 'replica', false), "
                + "pg_catalog.set_config('role', 'bob', false)", sql);
    }

    @Test
    void underAnAppliedRoleTheRoleIsResetFirstAndComesBackLast() {
        server.applied().put("role", "bob");
        String sql = ParameterSync.sql(wanting(Map.of("role", "bob", "work_mem", "8MB")), server);
        assertEquals("RESET \"role\"; RESET \"work_mem\"; SELECT pg_catalog.set_config('work_mem', '8MB', false), "
                + "pg_catalog.set_config('role', 'bob', false)", sql);
    }

    @Test
    void theSessionAuthorizationGoesFirstAndTakesTheRoleWithIt() {
        server.applied().put("session_authorization", "alice");
        server.applied().put("role", "bob");
        String sql = ParameterSync.sql(wanting(Map.of("role", "bob")), server);
        assertEquals("RESET \"session_authorization\"; RESET \"role\"; SELECT pg_catalog.set_config('role', 'bob', false)", sql);
        assertEquals(Map.of("role", "bob"), server.applied());
    }

    @Test
    void nothingToDoWhenTheServerHasIt() {
        server.applied().put("work_mem", "8MB");
        assertNull(ParameterSync.sql(wanting(Map.of("work_mem", "8MB")), server));
    }
}
