package io.pgrudder.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ScramClient and ScramServer, separately against RFC 7677 and against each other. */
class ScramExchangeTest {
    // RFC 7677 section 3.
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static final byte[] MOCK_KEY = "mock-auth-nonce-of-this-install".getBytes(StandardCharsets.UTF_8);
    private static final ScramSecret PENCIL = ScramSecret.fromPassword("pencil", ScramSecretTest.RFC_SALT, 4096);

    @Test
    void clientProducesTheRfc7677Exchange() {
        ScramClient client = new ScramClient("user", "pencil", CLIENT_NONCE);
        assertEquals(CLIENT_FIRST, utf8(client.clientFirstMessage()));
        assertEquals(CLIENT_FINAL, utf8(client.handleServerFirst(bytes(SERVER_FIRST))));
        assertFalse(client.isComplete());
        client.verifyServerFinal(bytes(SERVER_FINAL));
        assertTrue(client.isComplete());
    }

    @Test
    void serverProducesTheRfc7677Exchange() {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        assertEquals(SERVER_FIRST, utf8(server.handleClientFirst(bytes(CLIENT_FIRST))));
        assertFalse(server.isComplete());
        assertEquals(SERVER_FINAL, utf8(server.handleClientFinal(bytes(CLIENT_FINAL))));
        assertTrue(server.isComplete());
    }

    @Test
    void clientSendsAnEmptyUserNameLikeLibpq() {
        String first = utf8(new ScramClient("pencil").clientFirstMessage());
        assertTrue(first.matches("n,,n=,r=[A-Za-z0-9+/=]{24}"), first);
        assertEquals("SCRAM-SHA-256", ScramClient.MECHANISM);
    }

    @Test
    void roundTripWithRandomNonces() {
        ScramClient client = new ScramClient("p\u00E4ss\u00A0w\u00F6rd");
        ScramServer server = ScramServer.forPlainPassword("alice", "p\u00E4ss w\u00F6rd", MOCK_KEY);
        exchange(client, server);
        assertTrue(server.isComplete());
        assertTrue(client.isComplete());
    }

    @Test
    void roundTripAgainstStoredSecretAndPlaintext() {
        exchange(new ScramClient("pencil"), ScramServer.forStoredSecret("alice", PENCIL.encode(), MOCK_KEY));
        exchange(new ScramClient("pencil"), ScramServer.forStoredSecret("alice", "pencil", MOCK_KEY));
    }

    @Test
    void serverAcceptsYFlagAndThenRequiresItInChannelBinding() {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes("y,,n=,r=" + CLIENT_NONCE));
        // c= must then carry "y,," (eSws), not "n,,".
        PgException e = assertThrows(PgException.class, () -> server.handleClientFinal(bytes(CLIENT_FINAL)));
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        assertEquals("SCRAM channel binding check failed", e.getMessage());
    }

    @Test
    void wrongPasswordFailsWithPostgresMessage() {
        PgException e = assertThrows(PgException.class,
                () -> exchange(new ScramClient("pencil!"), new ScramServer("alice", PENCIL, MOCK_KEY)));
        assertAuthenticationFailed(e, "alice");
    }

    @Test
    void unknownUserFailsExactlyLikeAWrongPassword() {
        ScramServer server = new ScramServer("ghost", null, MOCK_KEY, SERVER_NONCE);
        ScramClient client = new ScramClient("", "pencil", CLIENT_NONCE);
        String serverFirst = utf8(server.handleClientFirst(client.clientFirstMessage()));
        // Looks like a real user's: a stable salt and the default iteration count.
        String salt = Base64.getEncoder().encodeToString(ScramSecret.mock("ghost", MOCK_KEY).salt());
        assertEquals("r=" + CLIENT_NONCE + SERVER_NONCE + ",s=" + salt + ",i=4096", serverFirst);
        byte[] clientFinal = client.handleServerFirst(bytes(serverFirst));
        assertAuthenticationFailed(assertThrows(PgException.class, () -> server.handleClientFinal(clientFinal)), "ghost");
        assertFalse(server.isComplete());
    }

    @Test
    void aStoredPlaintextPasswordShowsTheSaltAUserThatDoesNotExistWouldShow() {
        String plain = utf8(ScramServer.forStoredSecret("alice", "pencil", MOCK_KEY).handleClientFirst(bytes(CLIENT_FIRST)));
        String again = utf8(ScramServer.forStoredSecret("alice", "pencil", MOCK_KEY).handleClientFirst(bytes(CLIENT_FIRST)));
        String mock = utf8(new ScramServer("alice", null, MOCK_KEY).handleClientFirst(bytes(CLIENT_FIRST)));
        assertEquals(saltAndIterations(mock), saltAndIterations(plain));
        assertEquals(saltAndIterations(plain), saltAndIterations(again));
        exchange(new ScramClient("pencil"), ScramServer.forStoredSecret("alice", "pencil", MOCK_KEY));
    }

    /** The server-first-message after the nonce: {@code s=...,i=...}. */
    private static String saltAndIterations(String serverFirst) {
        return serverFirst.substring(serverFirst.indexOf(",s="));
    }

    @Test
    void md5StoredPasswordCannotDoScramAndFailsLikeAWrongPassword() {
        ScramServer server = ScramServer.forStoredSecret("alice", Md5Password.hashedPassword("alice", "pencil"), MOCK_KEY);
        assertAuthenticationFailed(assertThrows(PgException.class, () -> exchange(new ScramClient("pencil"), server)), "alice");
    }

    @Test
    void tamperedProofFails() {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        String tampered = CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
        assertAuthenticationFailed(assertThrows(PgException.class, () -> server.handleClientFinal(bytes(tampered))), "user");
    }

    @Test
    void tamperedNonceInClientFinalIsAProtocolViolation() {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        String tampered = CLIENT_FINAL.replace("hNlF$k0", "hNlF$k1");
        assertProtocolViolation(() -> server.handleClientFinal(bytes(tampered)));
    }

    @Test
    void clientRejectsServerNonceThatDoesNotExtendItsOwn() {
        assertProtocolViolation(() -> afterFirst().handleServerFirst(bytes(SERVER_FIRST.replace("rOprNG", "xOprNG"))));
        assertProtocolViolation(() -> afterFirst().handleServerFirst(bytes("r=" + CLIENT_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=not*base64,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096",
        "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOxyz,i=4096",
        "m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "garbage",
    })
    void clientRejectsMalformedServerFirst(String serverFirst) {
        assertProtocolViolation(() -> afterFirst().handleServerFirst(bytes(serverFirst)));
    }

    @Test
    void clientRejectsWrongServerSignature() {
        ScramClient client = afterFirst();
        client.handleServerFirst(bytes(SERVER_FIRST));
        PgException e = assertThrows(PgException.class,
                () -> client.verifyServerFinal(bytes("v=" + Base64.getEncoder().encodeToString(new byte[32]))));
        assertEquals(SqlState.INVALID_PASSWORD, e.sqlState());
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertEquals("SCRAM server signature does not match", e.getMessage());
        assertFalse(client.isComplete());
    }

    @Test
    void clientReportsServerError() {
        ScramClient client = afterFirst();
        client.handleServerFirst(bytes(SERVER_FIRST));
        PgException e = assertThrows(PgException.class, () -> client.verifyServerFinal(bytes("e=invalid-proof")));
        assertEquals(SqlState.INVALID_PASSWORD, e.sqlState());
        assertTrue(e.getMessage().contains("invalid-proof"), e.getMessage());
    }

    @Test
    void serverRejectsChannelBindingItNeverOffered() {
        PgException e = assertThrows(PgException.class, () -> new ScramServer("user", PENCIL, MOCK_KEY)
                .handleClientFirst(bytes("p=tls-server-end-point,,n=,r=" + CLIENT_NONCE)));
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        assertEquals("malformed SCRAM message", e.getMessage());
        assertTrue(e.detail().contains("channel binding"), e.detail());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "n",
        "n,,",
        "x,,n=,r=abc",
        "n,n=,r=abc",
        "n,,r=abc",
        "n,,n=",
        "n,,n=,r=",
        "n,,n=,r=ab c",
        "n,,n=,r=abc,,",
        "n,,n=,r=abc,1=x",
    })
    void serverRejectsMalformedClientFirst(String clientFirst) {
        assertProtocolViolation(() -> new ScramServer("user", PENCIL, MOCK_KEY).handleClientFirst(bytes(clientFirst)));
    }

    @Test
    void serverRejectsAuthzidAndMandatoryExtensions() {
        for (String clientFirst : new String[] {"n,a=admin,n=,r=abc", "n,,m=ext,n=,r=abc"}) {
            PgException e = assertThrows(PgException.class,
                    () -> new ScramServer("user", PENCIL, MOCK_KEY).handleClientFirst(bytes(clientFirst)));
            assertEquals(SqlState.FEATURE_NOT_SUPPORTED, e.sqlState());
        }
    }

    @Test
    void serverRejectsInvalidUtf8() {
        assertProtocolViolation(() -> new ScramServer("user", PENCIL, MOCK_KEY)
                .handleClientFirst(new byte[] {'n', ',', ',', 'n', '=', (byte) 0xC3, ',', 'r', '=', 'a'}));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    })
    void serverRejectsMalformedClientFinal(String clientFinal) {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        assertProtocolViolation(() -> server.handleClientFinal(bytes(clientFinal)));
        assertFalse(server.isComplete());
    }

    @Test
    void extensionsBeforeTheProofAreIgnoredButSigned() {
        // An extension is part of client-final-message-without-proof, so it goes into the AuthMessage.
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        String withExtension = CLIENT_FINAL.replace(",p=", ",x=ext,p=");
        assertAuthenticationFailed(assertThrows(PgException.class, () -> server.handleClientFinal(bytes(withExtension))), "user");
    }

    @Test
    void exchangeCannotBeReplayedOrReordered() {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(bytes(CLIENT_FINAL)));
        server.handleClientFirst(bytes(CLIENT_FIRST));
        assertThrows(IllegalStateException.class, () -> server.handleClientFirst(bytes(CLIENT_FIRST)));
        server.handleClientFinal(bytes(CLIENT_FINAL));
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(bytes(CLIENT_FINAL)));

        ScramClient client = new ScramClient("pencil");
        assertThrows(IllegalStateException.class, () -> client.handleServerFirst(bytes(SERVER_FIRST)));
    }

    @Test
    void aFailedExchangeStaysFailed() {
        ScramServer server = new ScramServer("user", PENCIL, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        assertThrows(PgException.class, () -> server.handleClientFinal(bytes(CLIENT_FINAL.replace("p=dHzb", "p=dHzc"))));
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(bytes(CLIENT_FINAL)));
        assertFalse(server.isComplete());
    }

    private static void exchange(ScramClient client, ScramServer server) {
        byte[] serverFirst = server.handleClientFirst(client.clientFirstMessage());
        byte[] serverFinal = server.handleClientFinal(client.handleServerFirst(serverFirst));
        client.verifyServerFinal(serverFinal);
    }

    private static ScramClient afterFirst() {
        ScramClient client = new ScramClient("user", "pencil", CLIENT_NONCE);
        client.clientFirstMessage();
        return client;
    }

    private static void assertAuthenticationFailed(PgException e, String user) {
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertEquals(SqlState.INVALID_PASSWORD, e.sqlState());
        assertEquals("password authentication failed for user \"" + user + "\"", e.getMessage());
    }

    private static void assertProtocolViolation(Executable executable) {
        PgException e = assertThrows(PgException.class, executable);
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState(), e.getMessage() + " / " + e.detail());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
