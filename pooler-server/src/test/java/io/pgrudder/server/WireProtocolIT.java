package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.AuthenticationOk;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.NegotiateProtocolVersion;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.CancelRequest;
import io.pgrudder.protocol.frontend.Execute;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupMessage;
import io.pgrudder.protocol.frontend.Sync;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact wire behaviour: protocol negotiation, startup packets, bad input, pipelining. */
@ExtendWith(PostgresExtension.class)
class WireProtocolIT {
    private PoolerHarness harness;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "", 1, "max_message_size = 1048576");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    private WireClient login(int protocolVersion, Map<String, String> extra) throws Exception {
        WireClient c = new WireClient(harness.port);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "md5user");
        params.put("database", "testdb");
        params.putAll(extra);
        c.send(new StartupMessage(protocolVersion, params)::encode);
        return c;
    }

    private static void answerMd5(WireClient c, BackendMessage challenge) throws Exception {
        AuthenticationMD5Password md5 = assertInstanceOf(AuthenticationMD5Password.class, challenge);
        c.send(new PasswordMessage(Md5Password.clientResponse("md5user", "md5pass", md5.salt()))::encode);
        assertInstanceOf(AuthenticationOk.class, c.read());
    }

    @Test
    void protocol32ClientIsNegotiatedDownTo30AndWorks() throws Exception {
        try (WireClient c = login(StartupMessage.PROTOCOL_3_2, Map.of("_pq_.future_option", "on"))) {
            NegotiateProtocolVersion negotiated = assertInstanceOf(NegotiateProtocolVersion.class, c.read());
            assertEquals(0x00030000, negotiated.newestVersion()); // 3.0 as a whole version, as PostgreSQL sends it
            assertEquals(List.of("_pq_.future_option"), negotiated.unrecognizedOptions());
            answerMd5(c, c.read());
            List<BackendMessage> startup = new ArrayList<>();
            BackendMessage m;
            while (!((m = c.read()) instanceof ReadyForQuery)) {
                startup.add(m);
            }
            assertTrue(startup.stream().anyMatch(x -> x instanceof ParameterStatus p && p.name().equals("server_version")));
            assertTrue(startup.stream().anyMatch(x -> x instanceof BackendKeyData));
            c.send(new Query("SELECT 40 + 2")::encode);
            DataRow row = c.readUntil(DataRow.class);
            assertEquals("42", new String(row.values().get(0), StandardCharsets.UTF_8));
            assertEquals(ReadyForQuery.IDLE, c.readUntil(ReadyForQuery.class).transactionStatus());
        }
    }

    @Test
    void sslAndGssEncRequestsAreDeclinedAndTheStartupGoesOn() throws Exception {
        try (WireClient c = new WireClient(harness.port)) {
            c.send(GSSENCRequest.INSTANCE::encode);
            assertEquals('N', c.readByte());
            c.send(SSLRequest.INSTANCE::encode);
            assertEquals('N', c.readByte());
            c.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb"))::encode);
            answerMd5(c, c.read());
            assertInstanceOf(ReadyForQuery.class, c.readUntil(ReadyForQuery.class));
        }
    }

    @Test
    void anOversizedMessageIsAProtocolViolationNotAnAllocation() throws Exception {
        try (WireClient c = login(StartupMessage.PROTOCOL_3_0, Map.of())) {
            answerMd5(c, c.read());
            c.readUntil(ReadyForQuery.class);
            // 'Q' claiming 2 GiB - 1: far over max_message_size (1 MiB). Nothing of it is sent.
            c.sendRaw(new byte[]{'Q', 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            ErrorResponse error = c.readUntil(ErrorResponse.class);
            assertEquals("08P01", error.sqlState());
            assertTrue(error.message().contains("1048576"), error.message());
            assertTrue(c.closedByServer());
        }
        assertPoolStillServes();
    }

    @Test
    void aMalformedStartupPacketGetsAProtocolError() throws Exception {
        try (WireClient c = new WireClient(harness.port)) {
            c.sendRaw(new byte[]{0, 0, 0, 3});
            ErrorResponse error = assertInstanceOf(ErrorResponse.class, c.read());
            assertEquals("08P01", error.sqlState());
            assertTrue(c.closedByServer());
        }
        try (WireClient c = new WireClient(harness.port)) {
            c.sendRaw(new byte[]{0, 0, 0, 8, 0, 2, 0, 0}); // protocol 2.0
            ErrorResponse error = assertInstanceOf(ErrorResponse.class, c.read());
            assertEquals("08P01", error.sqlState());
        }
        try (WireClient c = new WireClient(harness.port)) {
            c.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("database", "testdb"))::encode);
            ErrorResponse error = assertInstanceOf(ErrorResponse.class, c.read());
            assertEquals("28000", error.sqlState());
        }
    }

    @Test
    void aClientThatVanishesMidQueryNeverLeavesItsServerConnectionStuck() throws Exception {
        int firstPid;
        try (WireClient c = login(StartupMessage.PROTOCOL_3_0, Map.of())) {
            answerMd5(c, c.read());
            firstPid = c.readUntil(BackendKeyData.class).processId();
            c.readUntil(ReadyForQuery.class);
            c.send(new Query("SELECT pg_sleep(0.5)")::encode);
        }
        // pool_size is 1: the next client only gets in if the half-used connection was dealt with,
        // and it must not be the same server session (its state is unknown, so it is closed).
        try (Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals("1", SessionPoolingIT.scalar(c, "SELECT 1"));
            assertNotEquals(firstPid, ((PGConnection) c).getBackendPID());
        }
    }

    @Test
    void severalSyncsInOneWriteAllGetTheirReadyForQuery() throws Exception {
        try (WireClient c = login(StartupMessage.PROTOCOL_3_0, Map.of())) {
            answerMd5(c, c.read());
            c.readUntil(ReadyForQuery.class);
            c.send(out -> {
                for (int i = 1; i <= 3; i++) {
                    new Parse("", "SELECT " + i, new int[0]).encode(out);
                    new Bind("", "", new short[0], List.of(), new short[0]).encode(out);
                    new Execute("", 0).encode(out);
                    Sync.INSTANCE.encode(out);
                }
            });
            for (int i = 1; i <= 3; i++) {
                DataRow row = c.readUntil(DataRow.class);
                assertEquals(String.valueOf(i), new String(row.values().get(0), StandardCharsets.UTF_8));
                c.readUntil(CommandComplete.class);
                assertEquals(ReadyForQuery.IDLE, c.readUntil(ReadyForQuery.class).transactionStatus());
            }
        }
    }

    @Test
    void aCancelWithAnUnknownKeyIsIgnored() throws Exception {
        try (WireClient c = new WireClient(harness.port)) {
            c.send(new CancelRequest(12345, new byte[]{1, 2, 3, 4})::encode);
            assertTrue(c.closedByServer());
        }
        assertPoolStillServes();
    }

    @Test
    void beforeAuthenticationOkAFrameOver64KiBIsRejectedWithoutReadingItsBody() throws Exception {
        try (WireClient c = login(StartupMessage.PROTOCOL_3_0, Map.of())) {
            assertInstanceOf(AuthenticationMD5Password.class, c.read());
            // A 'p' claiming 100 000 bytes: under max_message_size (1 MiB) but over PostgreSQL's
            // 64 KiB for auth messages. Only its header is sent; the error must not wait for the body.
            c.sendRaw(new byte[]{'p', 0, 1, (byte) 0x86, (byte) 0xa0});
            ErrorResponse error = assertInstanceOf(ErrorResponse.class, c.read());
            assertEquals("08P01", error.sqlState());
            assertTrue(error.message().contains("65536"), error.message());
            assertTrue(c.closedByServer());
        }
        assertPoolStillServes();
    }

    @Test
    void afterLoginMaxMessageSizeAppliesAgain() throws Exception {
        try (WireClient c = login(StartupMessage.PROTOCOL_3_0, Map.of())) {
            answerMd5(c, c.read());
            c.readUntil(ReadyForQuery.class);
            String big = "SELECT length('" + "x".repeat(100_000) + "')";
            c.send(new Query(big)::encode);
            DataRow row = c.readUntil(DataRow.class);
            assertEquals("100000", new String(row.values().get(0), StandardCharsets.UTF_8));
            c.readUntil(ReadyForQuery.class);
        }
    }

    @Test
    void bytesThatCameWithTheStartupMessageAreKeptForTheNextPhase() throws Exception {
        // A driver's connect() then end(): StartupMessage, PasswordMessage... here StartupMessage and
        // Terminate in one write. The Terminate must be read as a Terminate, not as a startup packet.
        try (WireClient c = new WireClient(harness.port)) {
            c.send(out -> {
                new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb")).encode(out);
                io.pgrudder.protocol.frontend.Terminate.INSTANCE.encode(out);
            });
            assertInstanceOf(AuthenticationMD5Password.class, c.read());
            // Then the close the Terminate asks for, and nothing else: no "invalid length of startup packet".
            List<BackendMessage> after = new ArrayList<>();
            try {
                while (true) {
                    after.add(c.read());
                }
            } catch (java.io.EOFException | java.net.SocketException closed) {
                // closed by the server, as asked
            }
            assertEquals(List.of(), after, "nothing after the challenge but the close");
        }
    }

    @Test
    void plaintextBytesAfterAnSslRequestAreRefused() throws Exception {
        // CVE-2021-23222: what came in the clear behind the SSLRequest must never be read as if it
        // came after the answer (over TLS, or not). PostgreSQL fails the connection with 08P01.
        try (WireClient c = new WireClient(harness.port)) {
            c.send(out -> {
                SSLRequest.INSTANCE.encode(out);
                new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb")).encode(out);
            });
            ErrorResponse error = assertInstanceOf(ErrorResponse.class, c.read());
            assertEquals("08P01", error.sqlState());
            assertTrue(error.message().contains("received unencrypted data after SSL request"), error.message());
            assertTrue(c.closedByServer());
        }
    }

    private void assertPoolStillServes() throws Exception {
        try (Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals("1", SessionPoolingIT.scalar(c, "SELECT 1"));
        }
    }

    /**
     * Found by ProtocolFuzzIT: the error for a message other than a password response named the
     * raw type byte, and a 0x00 put a NUL into the message, which cannot be encoded: the client
     * got no ErrorResponse and the half-written one leaked. It is named as 0x00 now.
     */
    @Test
    void aNulTypeByteBeforeThePasswordGetsAProtocolViolationThatNamesIt() throws Exception {
        try (WireClient c = login(StartupMessage.PROTOCOL_3_0, Map.of())) {
            assertInstanceOf(AuthenticationMD5Password.class, c.read());
            c.sendRaw(new byte[]{0, 0, 0, 0, 5, 0});
            ErrorResponse error = c.readUntil(ErrorResponse.class);
            assertEquals("08P01", error.sqlState());
            assertTrue(error.message().contains("0x00"), error.message());
            assertTrue(c.closedByServer());
        }
    }
}
