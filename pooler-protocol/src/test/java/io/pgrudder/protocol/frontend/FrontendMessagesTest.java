package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.CopyData;
import io.pgrudder.protocol.CopyDone;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.pgrudder.protocol.Wire.buf;
import static io.pgrudder.protocol.Wire.bytes;
import static io.pgrudder.protocol.Wire.hex;
import static io.pgrudder.protocol.Wire.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Every frontend message: hand-written bytes, both decode paths, and no crash on any truncation. */
class FrontendMessagesTest {

    static Stream<Arguments> messages() {
        return Stream.of(
                m(new Query("SELECT 1"), Query::decode,
                        "51 0000000d 53454c45435420 31 00"),
                m(new Parse("s1", "SELECT $1", new int[]{23}), Parse::decode,
                        "50 00000017 733100 53454c4543542024 3100 0001 00000017"),
                m(new Parse("", "", new int[0]), Parse::decode,
                        "50 00000008 00 00 0000"),
                m(new Bind("", "s1", new short[]{1}, Arrays.asList(bytes("0000002a"), null), new short[]{1}),
                        Bind::decode,
                        "42 0000001e 00 733100 0001 0001 0002 00000004 0000002a ffffffff 0001 0001"),
                m(new Describe(Describe.STATEMENT, "s1"), Describe::decode, "44 00000008 53 733100"),
                m(new Describe(Describe.PORTAL, ""), Describe::decode, "44 00000006 50 00"),
                m(new Execute("", 0), Execute::decode, "45 00000009 00 00000000"),
                m(new Execute("p", 100), Execute::decode, "45 0000000a 7000 00000064"),
                m(Sync.INSTANCE, Sync::decode, "53 00000004"),
                m(Flush.INSTANCE, Flush::decode, "48 00000004"),
                m(Terminate.INSTANCE, Terminate::decode, "58 00000004"),
                m(new Close(Close.PORTAL, "p"), Close::decode, "43 00000007 50 7000"),
                m(new Close(Close.STATEMENT, "s"), Close::decode, "43 00000007 53 7300"),
                m(new CopyFail("boom"), CopyFail::decode, "66 00000009 626f6f6d00"),
                m(new FunctionCall(1598, new short[]{0}, Arrays.asList(bytes("00000007"), null), (short) 1),
                        FunctionCall::decode,
                        "46 0000001c 0000063e 0001 0000 0002 00000004 00000007 ffffffff 0001"),
                m(new PasswordMessage("secret"), PasswordMessage::decode, "70 0000000b 73656372657400"),
                m(new SASLInitialResponse("SCRAM-SHA-256", bytes("6e2c2c")), SASLInitialResponse::decode,
                        "70 00000019 5343524 14d2d5348412d32353600 00000003 6e2c2c"),
                m(new SASLInitialResponse("SCRAM-SHA-256", null), SASLInitialResponse::decode,
                        "70 00000016 53435241 4d2d5348412d32353600 ffffffff"),
                m(new SASLResponse(bytes("633d6269")), SASLResponse::decode, "70 00000008 633d6269"),
                m(new GSSResponse(bytes("010203")), GSSResponse::decode, "70 00000007 010203"),
                m(new CopyData(bytes("0102")), CopyData::decode, "64 00000006 0102"),
                m(new CopyData(new byte[0]), CopyData::decode, "64 00000004"),
                m(CopyDone.INSTANCE, CopyDone::decode, "63 00000004"));
    }

    private static Arguments m(FrontendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        return Arguments.of(message, decoder, frameHex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void encodesExactly(FrontendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        assertEquals(hex(frameHex), written(message::encode));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void decodesItsBody(FrontendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        ByteBuf frame = buf(frameHex);
        try {
            Object decoded = decoder.apply(Frames.body(frame));
            assertEquals(message, decoded);
            assertEquals(message.hashCode(), decoded.hashCode());
            assertEquals(message.toString(), decoded.toString());
            assertEquals(0, frame.readerIndex());
        } finally {
            frame.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void decodesThroughTheSwitch(FrontendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        assumeFalse(message instanceof SASLInitialResponse || message instanceof SASLResponse
                || message instanceof GSSResponse, "'p' decodes as PasswordMessage by default");
        ByteBuf frame = buf(frameHex);
        try {
            assertEquals(message, FrontendMessages.decode(frame));
            assertEquals(1, frame.refCnt());
        } finally {
            frame.release();
        }
    }

    /** Any prefix or extension of a body either decodes or is an 08P01, never an IndexOutOfBounds. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void truncatedOrExtendedBodyIsAProtocolViolation(FrontendMessage message, Function<ByteBuf, Object> decoder,
                                                     String frameHex) {
        byte[] body = Arrays.copyOfRange(bytes(frameHex), 5, bytes(frameHex).length);
        for (int length = 0; length <= body.length + 1; length++) {
            byte[] candidate = Arrays.copyOf(body, length);
            ByteBuf buf = io.netty.buffer.Unpooled.wrappedBuffer(candidate);
            try {
                Object decoded = decoder.apply(buf);
                assertFalse(length != body.length && decoded.equals(message), "decoded a changed body to the original");
            } catch (PgException e) {
                assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
            } catch (RuntimeException e) {
                fail("body of " + length + " bytes threw " + e, e);
            } finally {
                buf.release();
            }
        }
    }

}
