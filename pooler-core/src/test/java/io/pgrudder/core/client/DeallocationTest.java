package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.protocol.frontend.Query;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DEALLOCATE texts, read as PostgreSQL reads the name they give. */
class DeallocationTest {

    @Test
    void namesAreReadAsPostgresReadsThem() {
        assertEquals("_pg3_1", Deallocation.of("DEALLOCATE _pg3_1").name());
        assertEquals("s1", Deallocation.of("  deallocate prepare S1 ; ").name(), "unquoted: folded");
        assertEquals("My \"Name\"", Deallocation.of("DEALLOCATE \"My \"\"Name\"\"\"").name(), "quoted: as is");
        assertTrue(Deallocation.of("DEALLOCATE ALL").all());
        assertTrue(Deallocation.of("deallocate prepare all;").all());
        assertFalse(Deallocation.of("DEALLOCATE \"all\"").all(), "a statement called all");
    }

    @Test
    void anythingElseIsNotOne() {
        assertNull(Deallocation.of("SELECT 1"));
        assertNull(Deallocation.of("DEALLOCATE a; SELECT 1"));
        assertNull(Deallocation.of("ROLLBACK; DEALLOCATE ALL"));
        assertNull(Deallocation.of("DEALLOCATE"));
        assertNull(Deallocation.of("DEALLOCATEx"));
    }

    @Test
    void aQueryFrameIsRecognisedWithoutDecodingIt() {
        assertTrue(startsWithDeallocate("  DeAllocate s1"));
        assertFalse(startsWithDeallocate("SELECT 'deallocate'"));
        assertFalse(startsWithDeallocate("dealloc"));
    }

    private static boolean startsWithDeallocate(String sql) {
        ByteBuf frame = Unpooled.buffer();
        try {
            new Query(sql).encode(frame);
            return Deallocation.startsWithDeallocate(frame);
        } finally {
            frame.release();
        }
    }
}
