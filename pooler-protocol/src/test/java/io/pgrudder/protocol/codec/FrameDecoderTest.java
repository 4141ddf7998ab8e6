package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.pgrudder.protocol.Wire.buf;
import static io.pgrudder.protocol.Wire.bytes;
import static io.pgrudder.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {
    private static final String QUERY = "51 0000000d 53454c4543542031 00";
    private static final String SYNC = "53 00000004";
    private static final String PARSE = "50 00000008 00 00 0000";

    /** Reads every emitted frame as hex, releasing each. */
    private static List<String> drain(EmbeddedChannel channel) {
        List<String> frames = new ArrayList<>();
        for (ByteBuf frame = channel.readInbound(); frame != null; frame = channel.readInbound()) {
            try {
                frames.add(ByteBufUtil.hexDump(frame));
            } finally {
                frame.release();
            }
        }
        return frames;
    }

    private static PgException assertRejected(EmbeddedChannel channel, String inputHex) {
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(buf(inputHex)));
        PgException cause = assertInstanceOf(PgException.class, e.getCause());
        assertEquals(SqlState.PROTOCOL_VIOLATION, cause.sqlState());
        return cause;
    }

    @Test
    void severalFramesInOneBuffer() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        assertTrue(channel.writeInbound(buf(QUERY + PARSE + SYNC)));
        assertEquals(List.of(hex(QUERY), hex(PARSE), hex(SYNC)), drain(channel));
        assertFalse(channel.finish());
    }

    @Test
    void oneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        List<String> frames = new ArrayList<>();
        for (byte b : bytes(QUERY + SYNC + PARSE)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
            frames.addAll(drain(channel));
        }
        assertEquals(List.of(hex(QUERY), hex(SYNC), hex(PARSE)), frames);
        assertFalse(channel.finish());
    }

    @Test
    void frameSplitAcrossReadsWithTheNextOneStarting() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        byte[] all = bytes(QUERY + SYNC);
        channel.writeInbound(Unpooled.wrappedBuffer(all, 0, 7));
        assertEquals(List.of(), drain(channel));
        channel.writeInbound(Unpooled.wrappedBuffer(all, 7, all.length - 7 - 2));
        assertEquals(List.of(hex(QUERY)), drain(channel));
        channel.writeInbound(Unpooled.wrappedBuffer(all, all.length - 2, 2));
        assertEquals(List.of(hex(SYNC)), drain(channel));
        assertFalse(channel.finish());
    }

    @Test
    void eachEmittedFrameIsOwnedByItsReader() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        channel.writeInbound(buf(QUERY + SYNC));
        ByteBuf query = channel.readInbound();
        ByteBuf sync = channel.readInbound();
        assertEquals(0, query.readerIndex());
        query.release();
        // releasing one frame does not take the other's memory away
        assertEquals(hex(SYNC), ByteBufUtil.hexDump(sync));
        sync.release();
        assertEquals(0, sync.refCnt(), "the decoder keeps no reference once the frames are released");
        assertFalse(channel.finish());
    }

    @Test
    void hugeLengthFailsOnTheHeaderAloneWithoutWaitingForTheBody() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(16 << 20));
        PgException e = assertRejected(channel, "44 7fffffff");
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
        assertTrue(e.getMessage().contains("'D' (0x44)"), e.getMessage());
        assertTrue(e.getMessage().contains("16777216"), e.getMessage());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void nothingIsEmittedAfterAnError() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(16 << 20));
        // a good frame, then a bad length, then good frames in the same read
        assertRejected(channel, SYNC + "44 7fffffff 00000000" + QUERY);
        assertEquals(List.of(hex(SYNC)), drain(channel));
        channel.writeInbound(buf(QUERY + SYNC));
        channel.writeInbound(buf(SYNC));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void lengthBelowFourIsRejected() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        PgException e = assertRejected(channel, "53 00000003 00");
        assertTrue(e.getMessage().contains("'S' (0x53)"), e.getMessage());
        channel.writeInbound(buf(SYNC));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void limitCountsTheTypeByte() {
        // QUERY is 14 bytes including the type byte
        EmbeddedChannel exact = new EmbeddedChannel(new FrameDecoder(14));
        exact.writeInbound(buf(QUERY));
        assertEquals(List.of(hex(QUERY)), drain(exact));
        assertFalse(exact.finish());

        EmbeddedChannel tooSmall = new EmbeddedChannel(new FrameDecoder(13));
        assertRejected(tooSmall, QUERY);
        assertFalse(tooSmall.finish());
    }

    @Test
    void partialFrameAtCloseIsDroppedAndReleased() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        channel.writeInbound(buf("51 0000000d 5345"));
        assertFalse(channel.finish());
    }

    @Test
    void defaultLimitIsOneGigabyte() {
        assertEquals(1 << 30, FrameDecoder.DEFAULT_MAX_MESSAGE_SIZE);
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(4));
    }

    @Test
    void aRaisedLimitAppliesFromTheNextFrameOn() {
        // Login: 64 KiB; once authenticated the handler raises it to max_message_size.
        FrameDecoder decoder = new FrameDecoder(16);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        for (byte b : bytes(SYNC)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }
        assertEquals(List.of(hex(SYNC)), drain(channel));
        decoder.maxMessageSize(1024);
        for (byte b : bytes(QUERY)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }
        assertEquals(List.of(hex(QUERY)), drain(channel));
        assertFalse(channel.finish());
    }

    @Test
    void aFrameOverTheLoginLimitIsRejectedFromItsHeader() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(FrameDecoder.MAX_LOGIN_MESSAGE_SIZE));
        PgException e = assertRejected(channel, "70 00010000"); // 'p' of 65536 + 1 bytes
        assertTrue(e.getMessage().contains("65536"), e.getMessage());
        assertFalse(channel.finish());
    }
}
