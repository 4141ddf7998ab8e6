package io.pgrudder.core.client;

import io.pgrudder.core.client.ClientParameters.Setting;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SharedMapsTest {
    private static Map<String, Setting> settings(String app) {
        Map<String, Setting> m = new LinkedHashMap<>();
        m.put("application_name", new Setting("application_name", app));
        m.put("client_encoding", new Setting("client_encoding", "UTF8"));
        return m;
    }

    @Test
    void equalSettingsAreOneMapAndDifferentOnesAreNot() {
        SharedMaps<Setting> shared = new SharedMaps<Setting>();
        Map<String, Setting> a = shared.of(settings("pgbench"));
        Map<String, Setting> b = shared.of(settings("pgbench"));
        assertSame(a, b);
        assertNotSame(a, shared.of(settings("psql")));
        assertEquals(settings("psql"), shared.of(settings("psql")));
        assertThrows(UnsupportedOperationException.class, () -> a.put("x", new Setting("x", "1")));
    }

    @Test
    void theCallersMapIsCopiedSoChangingItLaterChangesNothingShared() {
        SharedMaps<Setting> shared = new SharedMaps<Setting>();
        Map<String, Setting> mine = settings("pgbench");
        Map<String, Setting> kept = shared.of(mine);
        mine.put("search_path", new Setting("search_path", "x"));
        assertEquals(settings("pgbench"), kept);
        assertSame(kept, shared.of(settings("pgbench")));
    }

    @Test
    void boundedThousandsOfDistinctSettingsDoNotPileUp() {
        SharedMaps<Setting> shared = new SharedMaps<Setting>();
        for (int i = 0; i < SharedMaps.LIMIT * 3; i++) {
            assertEquals(settings("app" + i), shared.of(settings("app" + i)));
        }
        assertEquals(true, shared.size() <= SharedMaps.LIMIT);
    }

    @Test
    void twoClientsWithTheSameStartupShareTheirSettingsAndStillCompareByVersion() {
        ClientParameters one = ClientParameters.fromStartup(Map.of("user", "u", "application_name", "pgbench"));
        ClientParameters two = ClientParameters.fromStartup(Map.of("user", "v", "application_name", "pgbench"));
        assertSame(one.all(), two.all());
        assertEquals(true, one.stillSameAs(one.version(), two));
        one.put("search_path", "x");
        assertEquals(false, one.stillSameAs(0, two), "changed since: a server synced at version 0 is not in sync");
    }
}
