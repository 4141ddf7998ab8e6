package io.pgrudder.core.routing;

import io.pgrudder.core.config.DefaultRole;
import org.junit.jupiter.api.Test;

import static io.pgrudder.core.routing.Destination.ANY;
import static io.pgrudder.core.routing.Destination.PRIMARY;
import static io.pgrudder.core.routing.Destination.REPLICA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryRouterTest {
    private static final String READ = "SELECT * FROM t";
    private static final String WRITE = "UPDATE t SET a = 1";
    private static final String LOCKING_READ = "SELECT * FROM t FOR NO KEY UPDATE";

    private static QueryRouter router(DefaultRole role, boolean parser, boolean splitting, boolean primaryReads) {
        return new QueryRouter(new RoutingRules(role, parser, splitting, primaryReads, null));
    }

    @Test
    void pgcatsDefaultRoleAnySendsEverythingToThePrimaryWithoutTheParser() {
        QueryRouter r = router(DefaultRole.ANY, false, false, false);
        assertEquals(PRIMARY, r.route(READ));
        assertFalse(r.readsText());
        assertEquals("any", r.showRole());
        assertEquals(PRIMARY, r.sessionDestination());
    }

    @Test
    void theParserWithReadWriteSplittingSendsReadsToReplicasAndTheRestToThePrimary() {
        QueryRouter r = router(DefaultRole.ANY, true, true, false);
        assertEquals(REPLICA, r.route(READ));
        assertEquals(PRIMARY, r.route(WRITE));
        assertEquals(PRIMARY, r.route(LOCKING_READ));
        assertEquals(PRIMARY, r.route(null));
        assertEquals("auto", r.showRole());
    }

    @Test
    void theParserWithoutSplittingRoutesNothing() {
        assertEquals(PRIMARY, router(DefaultRole.PRIMARY, true, false, false).route(READ));
    }

    @Test
    void primaryReadsLetReadsGoAnywhere() {
        QueryRouter r = router(DefaultRole.ANY, true, true, true);
        assertEquals(ANY, r.route(READ));
        assertEquals(PRIMARY, r.route(WRITE));
        r.primaryReads(false);
        assertEquals(REPLICA, r.route(READ));
        assertFalse(r.primaryReads());
        r.primaryReads(null);
        assertTrue(r.primaryReads());
    }

    @Test
    void aReplicaDefaultRoleStillSendsWritesToThePrimary() {
        QueryRouter r = router(DefaultRole.REPLICA, false, false, false);
        assertEquals(REPLICA, r.route(READ));
        assertEquals(PRIMARY, r.route(WRITE));
        assertEquals(PRIMARY, r.route(LOCKING_READ));
        assertEquals(REPLICA, r.sessionDestination());
    }

    @Test
    void setServerRoleOverridesThePoolUntilDefault() {
        QueryRouter r = router(DefaultRole.PRIMARY, false, false, false);
        assertEquals(PRIMARY, r.route(READ));
        r.role(ServerRoleSetting.REPLICA);
        assertEquals(REPLICA, r.route(READ));
        assertEquals(PRIMARY, r.route(WRITE));
        assertEquals("replica", r.showRole());
        r.role(ServerRoleSetting.ANY);
        assertEquals(ANY, r.route(READ));
        r.role(ServerRoleSetting.AUTO);
        assertEquals(REPLICA, r.route(READ));
        assertEquals(PRIMARY, r.route("SELECT my_writing_function()"));
        r.role(ServerRoleSetting.PRIMARY);
        assertEquals(PRIMARY, r.route(READ));
        assertFalse(r.readsText());
        r.role(ServerRoleSetting.DEFAULT);
        assertEquals(PRIMARY, r.route(READ));
        assertEquals("primary", r.showRole());
    }

    @Test
    void theParserLengthLimitSendsLongTextToThePrimary() {
        QueryRouter r = new QueryRouter(new RoutingRules(DefaultRole.ANY, true, true, false, 10));
        assertEquals(REPLICA, r.route("SELECT 1"));
        assertEquals(PRIMARY, r.route("SELECT 1, 2, 3"));
    }
}
