package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgrudder.protocol.Wire.assertProtocolViolation;
import static io.pgrudder.protocol.Wire.buf;
import static io.pgrudder.protocol.Wire.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ErrorResponseTest {

    private static ErrorResponse decode(String frameHex) {
        ByteBuf frame = buf(frameHex);
        try {
            return ErrorResponse.decode(Frames.body(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void everyFieldHasAnAccessorAndUnknownCodesSurvive() {
        String codes = "SVCMDHPpqWstcdnFLR";
        Map<Character, String> fields = new LinkedHashMap<>();
        for (char c : codes.toCharArray()) {
            fields.put(c, "v" + c);
        }
        fields.put('Z', "future field");
        ErrorResponse sent = new ErrorResponse(fields);
        ErrorResponse e = decode(written(sent::encode));
        assertEquals(sent, e);
        assertEquals(List.copyOf(fields.keySet()), List.copyOf(e.fields().keySet()));
        assertEquals("vS", e.severity());
        assertEquals("vV", e.severityNonLocalized());
        assertEquals("vC", e.sqlState());
        assertEquals("vM", e.message());
        assertEquals("vD", e.detail());
        assertEquals("vH", e.hint());
        assertEquals("vP", e.position());
        assertEquals("vp", e.internalPosition());
        assertEquals("vq", e.internalQuery());
        assertEquals("vW", e.where());
        assertEquals("vs", e.schemaName());
        assertEquals("vt", e.tableName());
        assertEquals("vc", e.columnName());
        assertEquals("vd", e.dataTypeName());
        assertEquals("vn", e.constraintName());
        assertEquals("vF", e.file());
        assertEquals("vL", e.line());
        assertEquals("vR", e.routine());
        assertEquals("future field", e.fields().get('Z'));
    }

    @Test
    void fromPgExceptionSetsDetailAndHintOnlyWhenPresent() {
        ErrorResponse plain = ErrorResponse.from(PgException.protocolViolation("boom"));
        assertEquals(List.of('S', 'V', 'C', 'M'), List.copyOf(plain.fields().keySet()));
        assertEquals("FATAL", plain.severity());
        assertEquals("FATAL", plain.severityNonLocalized());
        assertEquals(SqlState.PROTOCOL_VIOLATION, plain.sqlState());
        assertEquals("boom", plain.message());
        assertNull(plain.detail());

        ErrorResponse full = ErrorResponse.from(new PgException(PgException.Severity.ERROR,
                SqlState.TOO_MANY_CONNECTIONS, "too many", "pool full", "raise pool_size", null));
        assertEquals(List.of('S', 'V', 'C', 'M', 'D', 'H'), List.copyOf(full.fields().keySet()));
        assertEquals("ERROR", full.severity());
        assertEquals("pool full", full.detail());
        assertEquals("raise pool_size", full.hint());
    }

    @Test
    void malformedFieldLists() {
        // no final zero byte
        assertProtocolViolation(() -> decode("45 00000008 53 4100"));
        // a field value without its NUL
        assertProtocolViolation(() -> decode("45 00000006 53 41"));
        // bytes after the terminating zero
        assertProtocolViolation(() -> decode("45 00000006 00 41"));
    }
}
