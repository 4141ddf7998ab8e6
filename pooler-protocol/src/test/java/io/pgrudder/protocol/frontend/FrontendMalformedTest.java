package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import org.junit.jupiter.api.Test;

import static io.pgrudder.protocol.Wire.assertProtocolViolation;
import static io.pgrudder.protocol.Wire.buf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrontendMalformedTest {

    private static Object decode(String frameHex) {
        ByteBuf frame = buf(frameHex);
        try {
            return FrontendMessages.decode(frame);
        } finally {
            frame.release();
        }
    }

    @Test
    void unknownTypeByteIsNamed() {
        String message = assertProtocolViolation(() -> decode("5a 00000005 49")).getMessage();
        assertTrue(message.contains("'Z' (0x5a)"), message);
    }

    @Test
    void queryWithoutNul() {
        assertTrue(assertProtocolViolation(() -> decode("51 00000006 4142")).getMessage()
                .contains("invalid string in message"));
    }

    @Test
    void queryWithBytesAfterTheString() {
        assertProtocolViolation(() -> decode("51 00000007 410042"));
    }

    @Test
    void describeAndCloseKind() {
        assertProtocolViolation(() -> decode("44 00000006 58 00"));
        assertProtocolViolation(() -> decode("43 00000006 58 00"));
        assertThrows(IllegalArgumentException.class, () -> new Describe((byte) 'X', ""));
    }

    @Test
    void bindWithHostileCounts() {
        // 65535 parameters announced, none present
        assertProtocolViolation(() -> decode("42 0000000a 00 00 0000 ffff"));
        // a parameter length of -2
        assertProtocolViolation(() -> decode("42 0000000e 00 00 0000 0001 fffffffe"));
    }

    @Test
    void parseWithTooFewTypeOids() {
        assertProtocolViolation(() -> decode("50 0000000c 00 00 0002 00000017"));
    }

    @Test
    void saslInitialResponseLengthBeyondBody() {
        ByteBuf frame = buf("70 0000000e 4100 00000010 010203");
        try {
            assertProtocolViolation(() -> SASLInitialResponse.decode(Frames.body(frame)));
        } finally {
            frame.release();
        }
    }

    @Test
    void passwordIsNotPrinted() {
        assertEquals("PasswordMessage[password=<redacted>]", new PasswordMessage("hunter2").toString());
    }

    @Test
    void stringsWithNulCannotBeEncoded() {
        assertThrows(IllegalArgumentException.class, () -> new Query("a\0b").encode(io.netty.buffer.Unpooled.buffer()));
    }
}
