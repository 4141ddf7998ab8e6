package io.pgrudder.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Pass-through SCRAM: the server side recovers the ClientKey from a client's proof against a
 * stored secret, and the client side logs in with it, never knowing the password. Byte-exact
 * against RFC 7677's user/pencil exchange (salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations).
 */
class ScramPassThroughTest {
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    /** HMAC(SaltedPassword, "Client Key") for pencil with the RFC's salt, and the two keys stored from it. */
    private static final byte[] CLIENT_KEY = b64("pg/JI9Z+hkSpLRa5btpe9GVrDHJcSEN0viVTVXaZbos=");
    private static final String STORED_KEY = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    private static final String SERVER_KEY = "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
    /** The secret as pg_authid.rolpassword holds it; the password appears nowhere below. */
    private static final String SECRET = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$" + STORED_KEY + ":" + SERVER_KEY;
    private static final byte[] MOCK_KEY = "mock-auth-nonce-of-this-install".getBytes(StandardCharsets.UTF_8);

    @Test
    void theSecretIsTheOneThePasswordMakes() {
        assertEquals(ScramSecret.fromPassword("pencil", ScramSecretTest.RFC_SALT, 4096), ScramSecret.parse(SECRET));
    }

    @Test
    void serverRecoversTheClientKeyFromTheProof() {
        ScramServer server = new ScramServer("user", ScramSecret.parse(SECRET), MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        assertNull(server.recoveredKeys(), "nothing before the proof verified");
        assertEquals(SERVER_FINAL, utf8(server.handleClientFinal(bytes(CLIENT_FINAL))));

        ScramKeys keys = server.recoveredKeys();
        assertArrayEquals(CLIENT_KEY, keys.clientKey());
        assertArrayEquals(b64(SERVER_KEY), keys.serverKey());
        assertArrayEquals(ScramSecretTest.RFC_SALT, keys.salt());
        assertEquals(4096, keys.iterations());
        assertTrue(keys.belongTo(ScramSecret.parse(SECRET)));
        assertFalse(keys.belongTo(ScramSecret.fromPassword("pencil")), "another salt is another secret");
        assertEquals("ScramKeys[iterations=4096]", keys.toString());
    }

    @Test
    void aWrongProofRecoversNothing() {
        ScramServer server = new ScramServer("user", ScramSecret.parse(SECRET), MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        PgException e = assertThrows(PgException.class,
                () -> server.handleClientFinal(bytes(CLIENT_FINAL.replace("p=dHzb", "p=dHzc"))));
        assertEquals(SqlState.INVALID_PASSWORD, e.sqlState());
        assertNull(server.recoveredKeys());
    }

    @Test
    void aMockSecretRecoversNothing() {
        ScramServer server = new ScramServer("user", null, MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        assertThrows(PgException.class, () -> server.handleClientFinal(bytes(CLIENT_FINAL)));
        assertNull(server.recoveredKeys());
    }

    @Test
    void clientWithRecoveredKeysSendsTheRfcProofAndChecksTheServerSignature() {
        ScramClient client = ScramClient.withKeys("user", recovered(), CLIENT_NONCE);
        assertEquals(CLIENT_FIRST, utf8(client.clientFirstMessage()));
        assertEquals(CLIENT_FINAL, utf8(client.handleServerFirst(bytes(SERVER_FIRST))));
        client.verifyServerFinal(bytes(SERVER_FINAL));
        assertTrue(client.isComplete());
    }

    @Test
    void clientWithRecoveredKeysRejectsAServerThatDoesNotKnowTheSecret() {
        ScramClient client = ScramClient.withKeys("user", recovered(), CLIENT_NONCE);
        client.clientFirstMessage();
        client.handleServerFirst(bytes(SERVER_FIRST));
        PgException e = assertThrows(PgException.class,
                () -> client.verifyServerFinal(bytes("v=" + Base64.getEncoder().encodeToString(new byte[32]))));
        assertEquals(SqlState.INVALID_PASSWORD, e.sqlState());
    }

    @Test
    void clientWithRecoveredKeysRefusesAnotherSaltOrIterationCount() {
        for (String serverFirst : new String[] {
            SERVER_FIRST.replace("s=W22ZaJ0SNY7soEsUEjb6gQ==", "s=QSXCR+Q6sek8bf92"),
            SERVER_FIRST.replace("i=4096", "i=4097"),
        }) {
            ScramClient client = ScramClient.withKeys("user", recovered(), CLIENT_NONCE);
            client.clientFirstMessage();
            PgException e = assertThrows(PgException.class, () -> client.handleServerFirst(bytes(serverFirst)));
            assertEquals(SqlState.INVALID_PASSWORD, e.sqlState());
            assertTrue(e.getMessage().contains("salt or iteration count"), e.getMessage());
        }
    }

    @Test
    void passThroughEndToEndWithRandomNonces() {
        // A client that knows the password logs in to the pooler's server side (stored secret) ...
        ScramServer pooler = ScramServer.forStoredSecret("alice", SECRET, MOCK_KEY);
        ScramClient app = new ScramClient("pencil");
        byte[] serverFirst = pooler.handleClientFirst(app.clientFirstMessage());
        app.verifyServerFinal(pooler.handleClientFinal(app.handleServerFirst(serverFirst)));
        // ... and the pooler logs in to PostgreSQL (which holds the same secret) with what it recovered.
        ScramServer postgres = ScramServer.forStoredSecret("alice", SECRET, MOCK_KEY);
        ScramClient passThrough = ScramClient.withKeys(pooler.recoveredKeys());
        byte[] pgFirst = postgres.handleClientFirst(passThrough.clientFirstMessage());
        passThrough.verifyServerFinal(postgres.handleClientFinal(passThrough.handleServerFirst(pgFirst)));
        assertTrue(passThrough.isComplete());
        assertTrue(postgres.isComplete());
    }

    private static ScramKeys recovered() {
        ScramServer server = new ScramServer("user", ScramSecret.parse(SECRET), MOCK_KEY, SERVER_NONCE);
        server.handleClientFirst(bytes(CLIENT_FIRST));
        server.handleClientFinal(bytes(CLIENT_FINAL));
        return server.recoveredKeys();
    }

    private static byte[] b64(String s) {
        return Base64.getDecoder().decode(s);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
