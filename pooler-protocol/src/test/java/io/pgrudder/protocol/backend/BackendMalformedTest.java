package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pgrudder.protocol.Wire.assertProtocolViolation;
import static io.pgrudder.protocol.Wire.buf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendMalformedTest {

    private static Object decode(String frameHex) {
        ByteBuf frame = buf(frameHex);
        try {
            return BackendMessages.decode(frame);
        } finally {
            frame.release();
        }
    }

    @Test
    void unknownTypeByteIsNamed() {
        String message = assertProtocolViolation(() -> decode("78 00000004")).getMessage();
        assertTrue(message.contains("'x' (0x78)"), message);
        assertTrue(assertProtocolViolation(() -> decode("00 00000004")).getMessage().contains("0x00"));
    }

    @Test
    void lengthFieldMustFitTheFrame() {
        assertProtocolViolation(() -> decode("5a 00000003 49"));
        assertProtocolViolation(() -> decode("5a 00000006 49"));
        assertProtocolViolation(() -> decode("5a 0000"));
    }

    @Test
    void readyForQueryStatus() {
        assertProtocolViolation(() -> decode("5a 00000005 58"));
        assertProtocolViolation(() -> decode("5a 00000004"));
        assertSame(ReadyForQuery.IDLE_INSTANCE, ReadyForQuery.of(ReadyForQuery.IDLE));
        assertSame(ReadyForQuery.FAILED_INSTANCE, decode("5a 00000005 45"));
        assertThrows(IllegalArgumentException.class, () -> new ReadyForQuery((byte) 'X'));
    }

    @Test
    void unknownAuthenticationCode() {
        assertProtocolViolation(() -> decode("52 00000008 00000004"));
        assertProtocolViolation(() -> decode("52 00000006 0000"));
    }

    @Test
    void md5SaltMustBeFourBytes() {
        assertProtocolViolation(() -> decode("52 0000000b 00000005 010203"));
        assertProtocolViolation(() -> decode("52 0000000d 00000005 0102030405"));
    }

    @Test
    void saslMechanismListNeedsItsTerminator() {
        assertProtocolViolation(() -> decode("52 00000016 0000000a 534352414d2d5348412d32353600"));
        assertThrows(IllegalArgumentException.class, () -> new AuthenticationSASL(List.of("")));
    }

    @Test
    void hostileCountsFailBeforeAllocating() {
        // DataRow claiming 65535 columns with 4 bytes of data
        assertProtocolViolation(() -> decode("44 0000000a ffff 00000000"));
        // a column length of -2
        assertProtocolViolation(() -> decode("44 0000000a 0001 fffffffe"));
        // a column length larger than the message
        assertProtocolViolation(() -> decode("44 0000000a 0001 7fffffff"));
        // NegotiateProtocolVersion with a negative or huge option count
        assertProtocolViolation(() -> decode("76 0000000c 00000000 ffffffff"));
        assertProtocolViolation(() -> decode("76 0000000c 00000000 7fffffff"));
        // RowDescription claiming more fields than fit
        assertProtocolViolation(() -> decode("54 00000008 0002 6100"));
    }

    @Test
    void backendKeyDataKeyLength() {
        assertProtocolViolation(() -> decode("4b 0000000b 0000002a 010203"));
        assertProtocolViolation(() -> decode("4b 0000010d 0000002a" + "00".repeat(257)));
    }
}
