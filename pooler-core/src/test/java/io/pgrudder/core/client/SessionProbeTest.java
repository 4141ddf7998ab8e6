package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.backend.DataRow;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionProbeTest {
    @Test
    void aFullProbeAsksForCustomNamesOnlyWhenThereAreAndQuotesThem() {
        ProbeRequest all = new ProbeRequest();
        all.everything();
        assertFalse(SessionProbe.sql(all, List.of()).contains("unnest"));
        String sql = SessionProbe.sql(all, List.of("app.tenant", "o'brien.x"));
        assertTrue(sql.contains("ARRAY['app.tenant', 'o''brien.x']"), sql);
        assertTrue(sql.contains("pg_settings"), sql);
        for (Pin pin : EnumSet.range(Pin.TEMP_OBJECTS, Pin.ADVISORY_LOCKS)) {
            assertTrue(sql.contains("'" + pin.name() + "'"), pin + " is counted");
        }
    }

    @Test
    void aTargetedProbeAsksOnlyWhatItWasAsked() {
        ProbeRequest one = new ProbeRequest();
        one.name("statement_timeout");
        assertEquals("SELECT 's', n, pg_catalog.current_setting(n, true) FROM pg_catalog.unnest(ARRAY['statement_timeout']"
                + "::text[]) AS n", SessionProbe.sql(one, List.of("app.tenant")));
        ProbeRequest temp = new ProbeRequest();
        temp.pins.add(Pin.TEMP_OBJECTS);
        String sql = SessionProbe.sql(temp, List.of());
        assertTrue(sql.contains("pg_class") && !sql.contains("pg_proc") && !sql.contains("pg_settings"), sql);
        ProbeRequest resets = new ProbeRequest();
        resets.reset("work_mem");
        assertEquals(null, SessionProbe.sql(resets, List.of()), "a RESET by name needs no question");
    }

    @Test
    void rowsBecomeSettingsAndPins() {
        SessionProbe probe = new SessionProbe(new ProbeRequest());
        feed(probe, "s", "DateStyle", "ISO, DMY");
        feed(probe, "s", "role", "bob");
        feed(probe, "p", "TEMP_OBJECTS", null);
        feed(probe, "p", "TEMP_OBJECTS", null);
        feed(probe, "p", "LISTEN", null);
        SessionProbe.Result r = probe.result();
        assertEquals(new ClientParameters.Setting("DateStyle", "ISO, DMY"), r.settings().get("datestyle"));
        assertEquals("bob", r.settings().get("role").value());
        assertEquals(EnumSet.of(Pin.TEMP_OBJECTS, Pin.LISTEN), r.pins());
    }

    private static void feed(SessionProbe probe, String... values) {
        ByteBuf frame = Frames.encoded(ByteBufAllocator.DEFAULT, new DataRow(Arrays.stream(values)
                .map(v -> v == null ? null : v.getBytes()).toList())::encode);
        try {
            probe.row(frame);
        } finally {
            frame.release();
        }
    }
}
