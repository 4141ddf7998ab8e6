package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.frontend.Query;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SessionScanTest {
    private final SessionScan scan = new SessionScan();

    private int scan(String sql) {
        ByteBuf frame = Frames.encoded(ByteBufAllocator.DEFAULT, new Query(sql)::encode);
        try {
            return scan.scan(frame);
        } finally {
            frame.release();
        }
    }

    @Test
    void statementsThatMayLeaveStateNoTagNamesAreFoundInAnyCase() {
        assertEquals(SessionScan.TEMP, scan("CREATE TEMP TABLE t AS SELECT 1") & SessionScan.PROBE);
        assertEquals(SessionScan.TEMP, scan("select 1 into temporary t") & SessionScan.PROBE);
        assertEquals(SessionScan.TEMP, scan("CREATE TABLE pg_temp.t AS SELECT 1") & SessionScan.PROBE);
        assertEquals(SessionScan.SET_CONFIG, scan("SELECT SET_CONFIG('a', 'b', false)") & SessionScan.PROBE);
        assertEquals(SessionScan.ADVISORY, scan("select pg_try_advisory_lock(1)") & SessionScan.PROBE);
        assertEquals(SessionScan.LISTEN, scan("SELECT my_listen_function()") & SessionScan.PROBE);
    }

    @Test
    void aWordAcrossTheScratchChunksIsFoundInDirectAndHeapFramesAlike() {
        // The scan reads a direct frame in 4096-byte chunks: put "advisory" across the first border
        // (the frame's 5-byte header comes first), and check a heap copy of the same frame too.
        String sql = "SELECT '" + "x".repeat(4096 - 5 - 8 - 6 - 4) + "', pg_advisory_lock(1)"; // "advi|sory"
        ByteBuf direct = Frames.encoded(ByteBufAllocator.DEFAULT, new Query(sql)::encode);
        ByteBuf heap = io.netty.buffer.Unpooled.copiedBuffer(direct);
        try {
            assertEquals(SessionScan.ADVISORY, scan.scan(direct) & SessionScan.PROBE);
            assertEquals(SessionScan.ADVISORY, scan.scan(heap) & SessionScan.PROBE);
            assertEquals(0, scan.scan(direct.slice(0, 4096)) & SessionScan.PROBE, "cut before the word ends: not found");
        } finally {
            direct.release();
            heap.release();
        }
    }

    @Test
    void ordinaryStatementsAreNot() {
        for (String sql : new String[] {"SELECT abalance FROM pgbench_accounts WHERE aid = $1",
                "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
                "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
                "BEGIN", "COMMIT", "SELECT tem, pe FROM lis_ten"}) {
            assertEquals(0, scan(sql) & SessionScan.PROBE, sql);
        }
    }

    @Test
    void aNeedleCutByARepeatedFirstLetterIsStillFound() {
        assertEquals(SessionScan.TEMP, scan("ttemp") & SessionScan.PROBE);
        assertEquals(SessionScan.LISTEN, scan("llisten") & SessionScan.PROBE);
        assertEquals(SessionScan.ADVISORY, scan("aadvisory") & SessionScan.PROBE);
    }

    @Test
    void setAndADotAreNotedForCustomSettingNames() {
        assertEquals(SessionScan.SET | SessionScan.DOT, scan("SET app.tenant = 7") & (SessionScan.SET | SessionScan.DOT));
        assertEquals(SessionScan.SET, scan("SET work_mem = '8MB'") & (SessionScan.SET | SessionScan.DOT));
    }
}
