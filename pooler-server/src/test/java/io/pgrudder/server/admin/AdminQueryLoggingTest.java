package io.pgrudder.server.admin;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which admin queries are logged at DEBUG (the polls of exporters) rather than INFO. */
class AdminQueryLoggingTest {
    @Test
    void queriesMadeOfShowsOnlyAreThePollsOfExporters() {
        // pgbouncer_exporter and pgcat's own dashboards poll these every few seconds.
        assertTrue(AdminSessionHandler.onlyShows("SHOW STATS_TOTALS"));
        assertTrue(AdminSessionHandler.onlyShows("  show pools;"));
        assertTrue(AdminSessionHandler.onlyShows("SHOW LISTS; SHOW DATABASES;\n"));
        assertTrue(AdminSessionHandler.onlyShows("show\tversion"));
    }

    @Test
    void anythingThatChangesSomethingIsLoggedAtInfo() {
        assertFalse(AdminSessionHandler.onlyShows("PAUSE"));
        assertFalse(AdminSessionHandler.onlyShows("SHOW POOLS; PAUSE app"));
        assertFalse(AdminSessionHandler.onlyShows("RELOAD; SHOW POOLS"));
        assertFalse(AdminSessionHandler.onlyShows("SHOWDOWN"));
        assertFalse(AdminSessionHandler.onlyShows(";"));
        assertFalse(AdminSessionHandler.onlyShows(""));
    }
}
