package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.function.Executable;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Test helpers: hex in, hex out, every buffer released. */
public final class Wire {
    private Wire() {
    }

    /** "5a 00 00 00 05 49" to "5a0000000549". */
    public static String hex(String spaced) {
        return spaced.replaceAll("\\s+", "").toLowerCase();
    }

    public static byte[] bytes(String spacedHex) {
        return ByteBufUtil.decodeHexDump(hex(spacedHex));
    }

    /** A heap buffer holding the bytes; the caller releases it. */
    public static ByteBuf buf(String spacedHex) {
        return Unpooled.wrappedBuffer(bytes(spacedHex));
    }

    /** What {@code writer} writes, as hex. */
    public static String written(Consumer<ByteBuf> writer) {
        ByteBuf out = Unpooled.buffer();
        try {
            writer.accept(out);
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    public static PgException assertProtocolViolation(Executable executable) {
        PgException e = assertThrows(PgException.class, executable);
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState(), e.getMessage());
        assertEquals(PgException.Severity.FATAL, e.severity());
        return e;
    }
}
