package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.frontend.CancelRequest;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupMessage;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgrudder.protocol.Wire.buf;
import static io.pgrudder.protocol.Wire.bytes;
import static io.pgrudder.protocol.Wire.hex;
import static io.pgrudder.protocol.Wire.written;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartupDecoderTest {
    private static final String SSL_REQUEST = "00000008 04d2162f";

    private static String readHexAndRelease(EmbeddedChannel channel) {
        ByteBuf buf = channel.readInbound();
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    private static PgException assertRejected(EmbeddedChannel channel, String inputHex) {
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(buf(inputHex)));
        PgException cause = assertInstanceOf(PgException.class, e.getCause());
        assertEquals(SqlState.PROTOCOL_VIOLATION, cause.sqlState());
        return cause;
    }

    @Test
    void plaintextBytesBehindAnSslRequestAreRefused() {
        // CVE-2021-23222: bytes sent with the SSLRequest, before our answer, did not go through TLS
        // (a pipelined ClientHello or an injected StartupMessage alike). PostgreSQL fails with 08P01.
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        PgException e = assertRejected(channel, SSL_REQUEST + "16030100");
        assertEquals("received unencrypted data after SSL request", e.getMessage());
        assertNull(channel.readInbound(), "the SSLRequest is not answered");
        channel.writeInbound(buf("aabb")); // dropped: the connection is being closed
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void plaintextBytesBehindAGssencRequestAreRefused() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        PgException e = assertRejected(channel, "00000008 04d21630" + "00");
        assertEquals("received unencrypted data after GSSAPI encryption request", e.getMessage());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void bytesAfterTheAnsweredSslRequestAreTheNextDecodersBusiness() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        assertTrue(channel.writeInbound(buf(SSL_REQUEST)));
        assertSame(SSLRequest.INSTANCE, channel.readInbound());
        assertNull(channel.pipeline().get(StartupDecoder.class), "decoder removes itself");
        // later bytes (the ClientHello, once we answered) go straight through
        channel.writeInbound(buf("16030100"));
        assertEquals("16030100", readHexAndRelease(channel));
        assertFalse(channel.finish());
    }

    @Test
    void sslRequestOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        byte[] input = bytes(SSL_REQUEST);
        for (int i = 0; i < input.length - 1; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{input[i]}));
            assertNull(channel.readInbound());
        }
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{input[input.length - 1]}));
        assertSame(SSLRequest.INSTANCE, channel.readInbound());
        assertNull(channel.pipeline().get(StartupDecoder.class));
        assertFalse(channel.finish());
    }

    @Test
    void gssencRequest() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(buf("00000008 04d21630"));
        assertSame(GSSENCRequest.INSTANCE, channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void cancelRequestWithFourByteKey() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(buf("00000010 04d2162e 000004d2 01020304"));
        CancelRequest cancel = channel.readInbound();
        assertEquals(1234, cancel.processId());
        assertArrayEquals(bytes("01020304"), cancel.secretKey());
        assertFalse(channel.finish());
    }

    @Test
    void cancelRequestWith32ByteKeyOneByteAtATime() {
        byte[] key = new byte[32];
        key[0] = 1;
        key[31] = (byte) 0xff;
        byte[] input = bytes(written(new CancelRequest(99, key)::encode));
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        for (byte b : input) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }
        assertEquals(new CancelRequest(99, key), channel.readInbound());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void startupMessageKeepsParameterOrder() {
        Map<String, String> sent = new LinkedHashMap<>();
        sent.put("user", "alice");
        sent.put("database", "app");
        sent.put("application_name", "psql");
        sent.put("_pq_.opt", "1");
        sent.put("client_encoding", "UTF8");
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(buf(written(new StartupMessage(StartupMessage.PROTOCOL_3_2, sent)::encode)));
        StartupMessage startup = channel.readInbound();
        assertEquals(List.copyOf(sent.keySet()), List.copyOf(startup.parameters().keySet()));
        assertEquals("alice", startup.user());
        assertEquals("app", startup.database());
        assertEquals(StartupMessage.PROTOCOL_3_2, startup.protocolVersion());
        assertNull(channel.pipeline().get(StartupDecoder.class));
        assertFalse(channel.finish());
    }

    @Test
    void startupMessageFollowedByAPipelinedQuery() {
        String startup = written(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u"))::encode);
        String query = hex("51 00000006 3100 00");
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(buf(startup + query));
        assertInstanceOf(StartupMessage.class, channel.readInbound());
        assertEquals(query, readHexAndRelease(channel));
        assertFalse(channel.finish());
    }

    @Test
    void badLengthIsRejectedAndTheRestDropped() {
        for (String length : List.of("00000007", "00002711", "ffffffff", "7fffffff")) {
            EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
            PgException e = assertRejected(channel, length + "04d2162f");
            assertTrue(e.getMessage().startsWith("invalid length of startup packet"), e.getMessage());
            channel.writeInbound(buf(SSL_REQUEST));
            assertNull(channel.readInbound());
            assertFalse(channel.finish());
        }
    }

    @Test
    void largestAllowedLengthIsAccepted() {
        // 10000 bytes: version, "user\0", a long value, NUL, terminator
        int valueLength = 10000 - 4 - 4 - 5 - 1 - 1;
        String packet = "00002710 00030000 7573657200" + "61".repeat(valueLength) + "00 00";
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(buf(packet));
        StartupMessage startup = channel.readInbound();
        assertEquals(valueLength, startup.user().length());
        assertFalse(channel.finish());
    }

    @Test
    void unsupportedProtocolVersion() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        PgException e = assertRejected(channel, "00000009 00020000 00");
        assertEquals("unsupported frontend protocol 2.0: server supports 3.0 to 3.2", e.getMessage());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void unknownCodeWithThe1234Major() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        PgException e = assertRejected(channel, "00000008 04d21699");
        assertTrue(e.getMessage().startsWith("unsupported frontend protocol 1234."), e.getMessage());
        assertFalse(channel.finish());
    }

    @Test
    void closedBeforeAWholePacket() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(buf("00000008 04d2"));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }
}
