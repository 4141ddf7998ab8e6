package io.pgrudder.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Md5PasswordTest {
    private static final byte[] SALT = {(byte) 0x9a, 0x01, (byte) 0xff, 0x7e};

    @Test
    void hashedPasswordIsWhatPostgresStores() {
        assertEquals("md53175bce1d3201d16594cebf9d7eb3f9d", Md5Password.hashedPassword("postgres", "postgres"));
    }

    @Test
    void clientResponseMatchesAnIndependentComputation() throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        String inner = HexFormat.of().formatHex(md5.digest("secretalice".getBytes(StandardCharsets.UTF_8)));
        md5.update(inner.getBytes(StandardCharsets.US_ASCII));
        md5.update(SALT);
        String expected = "md5" + HexFormat.of().formatHex(md5.digest());

        assertEquals(expected, Md5Password.clientResponse("alice", "secret", SALT));
        assertEquals(expected, Md5Password.clientResponseFromHash(Md5Password.hashedPassword("alice", "secret"), SALT));
    }

    @Test
    void verifyAgainstPlaintextAndStoredHash() {
        String response = Md5Password.clientResponse("alice", "secret", SALT);
        assertTrue(Md5Password.verify(response, "alice", "secret", SALT));
        assertTrue(Md5Password.verify(response, "alice", Md5Password.hashedPassword("alice", "secret"), SALT));
    }

    @Test
    void wrongPasswordUserOrSaltFails() {
        String response = Md5Password.clientResponse("alice", "secret", SALT);
        assertFalse(Md5Password.verify(response, "alice", "Secret", SALT));
        assertFalse(Md5Password.verify(response, "bob", "secret", SALT));
        assertFalse(Md5Password.verify(response, "alice", "secret", new byte[] {1, 2, 3, 4}));
        assertFalse(Md5Password.verify(null, "alice", "secret", SALT));
        assertFalse(Md5Password.verify(response.toUpperCase(), "alice", "secret", SALT));
    }

    @Test
    void scramSecretCannotAnswerAnMd5Challenge() {
        String secret = ScramSecret.fromPassword("secret").encode();
        assertFalse(Md5Password.verify(Md5Password.clientResponse("alice", "secret", SALT), "alice", secret, SALT));
    }

    @Test
    void storedHashRecognitionFollowsPostgres() {
        assertTrue(Md5Password.isMd5Hash("md53175bce1d3201d16594cebf9d7eb3f9d"));
        assertFalse(Md5Password.isMd5Hash("md53175BCE1d3201d16594cebf9d7eb3f9d")); // upper case: plaintext
        assertFalse(Md5Password.isMd5Hash("md53175bce1d3201d16594cebf9d7eb3f9"));
        assertFalse(Md5Password.isMd5Hash("md5"));
        // So a plaintext password that merely starts with "md5" is still treated as plaintext.
        String response = Md5Password.clientResponse("alice", "md5isnotahash", SALT);
        assertTrue(Md5Password.verify(response, "alice", "md5isnotahash", SALT));
        assertThrows(IllegalArgumentException.class, () -> Md5Password.clientResponseFromHash("md5isnotahash", SALT));
    }

    @Test
    void newSaltIsFourRandomBytes() {
        assertEquals(4, Md5Password.newSalt().length);
        assertNotEquals(HexFormat.of().formatHex(Md5Password.newSalt()), HexFormat.of().formatHex(Md5Password.newSalt()));
    }
}
