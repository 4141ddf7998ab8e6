package io.pgrudder.core.client;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingStatementTest {
    private static ProbeRequest afterTag(String sql) {
        ProbeRequest r = new ProbeRequest();
        if (SettingStatement.startsWithSetOrReset(sql)) {
            SettingStatement.read(sql, r);
        }
        r.settingTag();
        return r;
    }

    @Test
    void aPlainSetOrResetIsReadByName() {
        assertEquals(Set.of("statement_timeout"), afterTag("SET statement_timeout = 4321").named());
        assertEquals(Set.of("search_path"), afterTag("set session search_path to a, b;").named());
        assertEquals(Set.of("app.tenant"), afterTag("SET app.tenant = '7'").named());
        assertEquals(Set.of("timezone"), afterTag("SET TIME ZONE 'UTC'").named());
        assertEquals(Set.of("client_encoding"), afterTag("SET NAMES 'UTF8'").named());
        assertEquals(Set.of("work_mem"), afterTag("RESET work_mem").reset());
        assertEquals(Set.of("work_mem"), afterTag("SET work_mem TO DEFAULT").reset());
        for (String sql : List.of("SET statement_timeout = 1", "RESET work_mem", "SET ROLE bob")) {
            assertFalse(afterTag(sql).readsAllSettings(), sql);
        }
    }

    @Test
    void setLocalAsksNothing() {
        ProbeRequest r = afterTag("SET LOCAL statement_timeout = 5");
        assertFalse(r.needed(), "lasts as long as its transaction");
        assertFalse(afterTag("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").needed());
    }

    @Test
    void theIdentityIsAskedForItself() {
        assertTrue(afterTag("SET ROLE bob").identity);
        assertTrue(afterTag("SET SESSION AUTHORIZATION bob").identity);
        assertTrue(afterTag("RESET ROLE").identity);
    }

    @Test
    void whatCannotBeReadAsksForEverySetting() {
        for (String sql : List.of("SET a = 1; SET b = 2", "/* x */ SET work_mem = '1MB'", "RESET ALL",
                "SET \"work_mem\" = '1MB'", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "BEGIN; SET x.y = 1")) {
            assertTrue(afterTag(sql).readsAllSettings(), sql);
        }
    }
}
