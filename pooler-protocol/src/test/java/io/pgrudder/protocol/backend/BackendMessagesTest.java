package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.CopyData;
import io.pgrudder.protocol.CopyDone;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.frontend.StartupMessage;
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

/** Every backend message: hand-written bytes, both decode paths, and no crash on any truncation. */
class BackendMessagesTest {
    private static final String SCRAM = "534352414d2d5348412d32353600"; // "SCRAM-SHA-256\0"

    static Stream<Arguments> messages() {
        return Stream.of(
                m(AuthenticationOk.INSTANCE, AuthenticationOk::decode, "52 00000008 00000000"),
                m(AuthenticationKerberosV5.INSTANCE, AuthenticationKerberosV5::decode, "52 00000008 00000002"),
                m(AuthenticationCleartextPassword.INSTANCE, AuthenticationCleartextPassword::decode,
                        "52 00000008 00000003"),
                m(new AuthenticationMD5Password(bytes("01020304")), AuthenticationMD5Password::decode,
                        "52 0000000c 00000005 01020304"),
                m(AuthenticationSCMCredential.INSTANCE, AuthenticationSCMCredential::decode, "52 00000008 00000006"),
                m(AuthenticationGSS.INSTANCE, AuthenticationGSS::decode, "52 00000008 00000007"),
                m(new AuthenticationGSSContinue(bytes("aabb")), AuthenticationGSSContinue::decode,
                        "52 0000000a 00000008 aabb"),
                m(AuthenticationSSPI.INSTANCE, AuthenticationSSPI::decode, "52 00000008 00000009"),
                m(new AuthenticationSASL(List.of("SCRAM-SHA-256")), AuthenticationSASL::decode,
                        "52 00000017 0000000a" + SCRAM + "00"),
                m(new AuthenticationSASL(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")), AuthenticationSASL::decode,
                        "52 0000002a 0000000a 534352414d2d5348412d3235362d504c555300" + SCRAM + "00"),
                m(new AuthenticationSASLContinue(bytes("723d")), AuthenticationSASLContinue::decode,
                        "52 0000000a 0000000b 723d"),
                m(new AuthenticationSASLFinal(bytes("763d")), AuthenticationSASLFinal::decode,
                        "52 0000000a 0000000c 763d"),
                m(new ParameterStatus("a", "b"), ParameterStatus::decode, "53 00000008 6100 6200"),
                m(new BackendKeyData(42, bytes("01020304")), BackendKeyData::decode,
                        "4b 0000000c 0000002a 01020304"),
                m(new BackendKeyData(42, new byte[32]), BackendKeyData::decode,
                        "4b 00000028 0000002a" + "00".repeat(32)),
                m(ReadyForQuery.IDLE_INSTANCE, ReadyForQuery::decode, "5a 00000005 49"),
                m(ReadyForQuery.IN_TRANSACTION_INSTANCE, ReadyForQuery::decode, "5a 00000005 54"),
                m(ReadyForQuery.FAILED_INSTANCE, ReadyForQuery::decode, "5a 00000005 45"),
                m(ErrorResponse.of("FATAL", "08P01", "bad"), ErrorResponse::decode,
                        "45 0000001f 53 464154414c00 56 464154414c00 43 303850303100 4d 62616400 00"),
                m(NoticeResponse.of("WARNING", "01000", "w"), NoticeResponse::decode,
                        "4e 00000021 53 5741524e494e4700 56 5741524e494e4700 43 303130303000 4d 7700 00"),
                m(new NotificationResponse(7, "ch", "hi"), NotificationResponse::decode,
                        "41 0000000e 00000007 636800 686900"),
                m(new NegotiateProtocolVersion(StartupMessage.PROTOCOL_3_0, List.of("_pq_.x")), NegotiateProtocolVersion::decode,
                        "76 00000013 00030000 00000001 5f70715f2e7800"),
                m(new NegotiateProtocolVersion(StartupMessage.PROTOCOL_3_2, List.of()), NegotiateProtocolVersion::decode,
                        "76 0000000c 00030002 00000000"),
                m(new CommandComplete("SELECT 1"), CommandComplete::decode, "43 0000000d 53454c4543542031 00"),
                m(new DataRow(Arrays.asList(bytes("31"), null, new byte[0])), DataRow::decode,
                        "44 00000013 0003 00000001 31 ffffffff 00000000"),
                m(new DataRow(List.of()), DataRow::decode, "44 00000006 0000"),
                m(new RowDescription(List.of(RowDescription.Field.text("a", 23, (short) 4))), RowDescription::decode,
                        "54 0000001a 0001 6100 00000000 0000 00000017 0004 ffffffff 0000"),
                m(new RowDescription(List.of(new RowDescription.Field("id", 16384, (short) 1, 20, (short) 8, -1,
                        (short) 1))), RowDescription::decode,
                        "54 0000001b 0001 696400 00004000 0001 00000014 0008 ffffffff 0001"),
                m(new ParameterDescription(new int[]{23, 25}), ParameterDescription::decode,
                        "74 0000000e 0002 00000017 00000019"),
                m(ParseComplete.INSTANCE, ParseComplete::decode, "31 00000004"),
                m(BindComplete.INSTANCE, BindComplete::decode, "32 00000004"),
                m(CloseComplete.INSTANCE, CloseComplete::decode, "33 00000004"),
                m(NoData.INSTANCE, NoData::decode, "6e 00000004"),
                m(EmptyQueryResponse.INSTANCE, EmptyQueryResponse::decode, "49 00000004"),
                m(PortalSuspended.INSTANCE, PortalSuspended::decode, "73 00000004"),
                m(new CopyInResponse((byte) 0, new short[]{0, 0}), CopyInResponse::decode,
                        "47 0000000b 00 0002 0000 0000"),
                m(new CopyOutResponse((byte) 1, new short[]{1}), CopyOutResponse::decode, "48 00000009 01 0001 0001"),
                m(new CopyBothResponse((byte) 0, new short[0]), CopyBothResponse::decode, "57 00000007 00 0000"),
                m(new FunctionCallResponse(bytes("01")), FunctionCallResponse::decode, "56 00000009 00000001 01"),
                m(new FunctionCallResponse(null), FunctionCallResponse::decode, "56 00000008 ffffffff"),
                m(new CopyData(bytes("0102")), CopyData::decode, "64 00000006 0102"),
                m(CopyDone.INSTANCE, CopyDone::decode, "63 00000004"));
    }

    private static Arguments m(BackendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        return Arguments.of(message, decoder, frameHex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void encodesExactly(BackendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        assertEquals(hex(frameHex), written(message::encode));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void decodesItsBody(BackendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        ByteBuf frame = buf(frameHex);
        try {
            Object decoded = decoder.apply(Frames.body(frame));
            assertEquals(message, decoded);
            assertEquals(message.hashCode(), decoded.hashCode());
            assertEquals(message.toString(), decoded.toString());
        } finally {
            frame.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void decodesThroughTheSwitch(BackendMessage message, Function<ByteBuf, Object> decoder, String frameHex) {
        ByteBuf frame = buf(frameHex);
        try {
            assertEquals(message, BackendMessages.decode(frame));
            assertEquals(0, frame.readerIndex());
            assertEquals(1, frame.refCnt());
        } finally {
            frame.release();
        }
    }

    /** Any prefix or extension of a body either decodes or is an 08P01, never an IndexOutOfBounds. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void truncatedOrExtendedBodyIsAProtocolViolation(BackendMessage message, Function<ByteBuf, Object> decoder,
                                                     String frameHex) {
        byte[] frame = bytes(frameHex);
        byte[] body = Arrays.copyOfRange(frame, 5, frame.length);
        for (int length = 0; length <= body.length + 1; length++) {
            ByteBuf buf = Unpooled.wrappedBuffer(Arrays.copyOf(body, length));
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
