package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgrudder.protocol.Wire.assertProtocolViolation;
import static io.pgrudder.protocol.Wire.buf;
import static io.pgrudder.protocol.Wire.bytes;
import static io.pgrudder.protocol.Wire.hex;
import static io.pgrudder.protocol.Wire.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartupPacketTest {
    private static final String STARTUP_HEX =
            "0000001b 00030000 7573657200 7500 646174616261736500 6400 00";

    /** Decodes the bytes after the length, as StartupDecoder does. */
    private static StartupPacket decode(String packetHex) {
        ByteBuf packet = buf(packetHex);
        try {
            return StartupPacket.decode(packet.skipBytes(4));
        } finally {
            packet.release();
        }
    }

    private static Map<String, String> params(String... kv) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            map.put(kv[i], kv[i + 1]);
        }
        return map;
    }

    @Test
    void sslRequestBytes() {
        assertEquals(hex("00000008 04d2162f"), written(SSLRequest.INSTANCE::encode));
        assertSame(SSLRequest.INSTANCE, decode("00000008 04d2162f"));
    }

    @Test
    void gssencRequestBytes() {
        assertEquals(hex("00000008 04d21630"), written(GSSENCRequest.INSTANCE::encode));
        assertSame(GSSENCRequest.INSTANCE, decode("00000008 04d21630"));
    }

    @Test
    void cancelRequestWithFourByteKey() {
        CancelRequest cancel = new CancelRequest(1234, bytes("01020304"));
        String expected = "00000010 04d2162e 000004d2 01020304";
        assertEquals(hex(expected), written(cancel::encode));
        assertEquals(cancel, decode(expected));
        assertFalse(cancel.toString().contains("01020304"), "secret key must not be printed");
    }

    @Test
    void cancelRequestWithProtocol32Key() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        CancelRequest cancel = new CancelRequest(7, key);
        String encoded = written(cancel::encode);
        assertEquals(hex("0000002c 04d2162e 00000007 000102030405060708090a0b0c0d0e0f"
                + "101112131415161718191a1b1c1d1e1f"), encoded);
        assertEquals(cancel, decode(encoded));
    }

    @Test
    void cancelRequestKeyLengthLimits() {
        assertProtocolViolation(() -> decode("0000000f 04d2162e 00000007 010203"));
        byte[] longest = new byte[256];
        assertEquals(256, ((CancelRequest) decode(written(new CancelRequest(1, longest)::encode))).secretKey().length);
        assertProtocolViolation(() -> decode("00000000 04d2162e 00000001" + "00".repeat(257)));
        assertThrows(IllegalArgumentException.class, () -> new CancelRequest(1, new byte[3]));
    }

    @Test
    void startupMessageBytesAndOrder() {
        StartupMessage startup = new StartupMessage(StartupMessage.PROTOCOL_3_0, params("user", "u", "database", "d"));
        assertEquals(hex(STARTUP_HEX), written(startup::encode));
        StartupMessage decoded = (StartupMessage) decode(STARTUP_HEX);
        assertEquals(startup, decoded);
        assertEquals(List.of("user", "database"), List.copyOf(decoded.parameters().keySet()));
        assertEquals(3, decoded.majorVersion());
        assertEquals(0, decoded.minorVersion());
    }

    @Test
    void startupMessageKeepsParameterOrderAndProtocolOptions() {
        Map<String, String> sent = params("options", "-c x=1", "_pq_.foo", "bar", "user", "alice",
                "application_name", "psql", "client_encoding", "UTF8");
        StartupMessage decoded = (StartupMessage) decode(written(new StartupMessage(196611, sent)::encode));
        assertEquals(List.copyOf(sent.keySet()), List.copyOf(decoded.parameters().keySet()));
        assertEquals("bar", decoded.parameter("_pq_.foo"));
        assertEquals(196611, decoded.protocolVersion(), "minor version above 2 kept as sent");
        assertEquals(3, decoded.minorVersion());
        assertThrows(UnsupportedOperationException.class, () -> decoded.parameters().put("x", "y"));
    }

    @Test
    void databaseDefaultsToUser() {
        StartupMessage startup = new StartupMessage(StartupMessage.PROTOCOL_3_2, params("user", "alice"));
        assertEquals("alice", startup.user());
        assertEquals("alice", startup.database());
        assertNull(startup.parameter("database"));
        assertNull(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of()).user());
        assertEquals("db", new StartupMessage(StartupMessage.PROTOCOL_3_0, params("user", "a", "database", "db"))
                .database());
        assertEquals(196610, StartupMessage.PROTOCOL_3_2);
    }

    @Test
    void startupMessageWithoutTerminatorIsRejected() {
        // user=u, then the packet ends without the final NUL
        assertProtocolViolation(() -> decode("0000000f 00030000 7573657200 7500"));
        // a name with no value
        assertProtocolViolation(() -> decode("0000000e 00030000 7573657200 00"));
        // bytes after the terminator
        assertProtocolViolation(() -> decode("0000000a 00030000 00 41"));
        // a string with no NUL at all
        assertProtocolViolation(() -> decode("0000000b 00030000 757365"));
    }

    @Test
    void unsupportedProtocolNamesTheVersion() {
        assertTrue(assertProtocolViolation(() -> decode("00000009 00020000 00")).getMessage()
                .contains("unsupported frontend protocol 2.0: server supports 3.0 to 3.2"));
        assertTrue(assertProtocolViolation(() -> decode("00000008 04d21631")).getMessage()
                .contains("unsupported frontend protocol 1234.5681"));
    }

    @Test
    void sslRequestWithExtraBytesIsRejected() {
        assertProtocolViolation(() -> decode("00000009 04d2162f 00"));
    }
}
