package io.pgrudder.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScramSecretTest {
    /** RFC 7677 section 3 salt for password "pencil". */
    static final byte[] RFC_SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    @Test
    void keyDerivationForTheRfc7677Password() {
        // Expected values computed independently (Python hashlib.pbkdf2_hmac / hmac).
        byte[] salted = ScramCrypto.saltedPassword("pencil", RFC_SALT, 4096);
        assertEquals("c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d", HexFormat.of().formatHex(salted));
        byte[] clientKey = ScramCrypto.clientKey(salted);
        assertEquals("pg/JI9Z+hkSpLRa5btpe9GVrDHJcSEN0viVTVXaZbos=", b64(clientKey));

        ScramSecret secret = ScramSecret.fromPassword("pencil", RFC_SALT, 4096);
        assertArrayEquals(ScramCrypto.sha256(clientKey), secret.storedKey());
        assertEquals("WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=", b64(secret.storedKey()));
        assertEquals("wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", b64(secret.serverKey()));
        assertEquals("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
                + ":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", secret.encode());
    }

    /**
     * rolpassword values taken from a real PostgreSQL 15 with password_encryption=scram-sha-256;
     * rebuilding each from its password and salt proves we derive keys, including SASLprep, as
     * the server does.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        // plain ASCII
        "pencil|SCRAM-SHA-256$4096:MdB3Mfhjg+ufHx1X4CJPmA==$1ARpORS33iQMpmAJF3V8LQeaj7Rt9AgC2f3KYeLWSqo=:3CLGdypVfSrqSD/bKBSzKZaY8+S8SKfwlpVgCDb6O+Y=",
        // U+00A0 mapped to space, U+00AD removed
        "pass\u00A0wor\u00ADd|SCRAM-SHA-256$4096:eQL+QHggrs8KNeFgkPTrIA==$wfeg5K7O4IUBBX1s6aaBo5UW+90VWkXnqUI7UIeLxWk=:f1mq/Fgngo8K4qdcjhT4b9tnmdqzd3wRlEA+AJeRGBw=",
        // prohibited U+0007: raw password used
        "caf\u00E9\u0007|SCRAM-SHA-256$4096:y8sjU/3osTybQJkzk5w78A==$phVt6OgW9KFCn+H0/DmQ1kbXSinuGOefbQXHmR+n13o=:zZLI1cWMkF+97/fEQQxSqcB/hrQKVZZdmc+Z46oGDnQ=",
        // NFKC composes e + U+0301
        "cafe\u0301|SCRAM-SHA-256$4096:jUb0fSDJwAfj3yvBdCEsxA==$XDu1g2pH8R7ofngHGc0rOZmK0m/AHAebiB26E6Sw3q4=:qZD35IHip1AwbBviGqrjXHeH/YH48OYILRGq4ETdjso=",
        // bidi violation: raw password used
        "\u05D0a\u05D1|SCRAM-SHA-256$4096:ZwN651Tqb1exKtMp4LGOmw==$3Ny4F727dGp7dZrjnMVTv9PjZWDKJvC2sugBHvMbKdU=:dYJsluXJmU3p6hthVGETrOEBGwJTJaaKuqPqwP63On4=",
    })
    void rebuildsRealPostgresSecrets(String password, String rolpassword) {
        ScramSecret stored = ScramSecret.parse(rolpassword);
        assertEquals(4096, stored.iterations());
        assertEquals(16, stored.salt().length);
        assertEquals(stored, ScramSecret.fromPassword(password, stored.salt(), stored.iterations()));
        assertEquals(rolpassword, stored.encode());
        assertTrue(ScramSecret.looksLikeScramSecret(rolpassword));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "pencil",
        "md53175bce1d3201d16594cebf9d7eb3f9d",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=",
        "SCRAM-SHA-256$x:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
        "SCRAM-SHA-256$0:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
        "SCRAM-SHA-256$-1:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
        "SCRAM-SHA-256$4096:$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
        "SCRAM-SHA-256$4096:not*base64$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=$x",
        "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
    })
    void rejectsWhatIsNotASecret(String notASecret) {
        assertFalse(ScramSecret.looksLikeScramSecret(notASecret));
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.parse(notASecret));
    }

    @Test
    void toStringDoesNotRevealKeysOrSalt() {
        ScramSecret secret = ScramSecret.fromPassword("pencil", RFC_SALT, 4096);
        assertEquals("ScramSecret[iterations=4096]", secret.toString());
    }

    @Test
    void randomSaltByDefault() {
        ScramSecret a = ScramSecret.fromPassword("pencil");
        ScramSecret b = ScramSecret.fromPassword("pencil");
        assertEquals(4096, a.iterations());
        assertEquals(16, a.salt().length);
        assertNotEquals(a, b);
    }

    @Test
    void accessorsReturnCopies() {
        ScramSecret secret = ScramSecret.fromPassword("pencil", RFC_SALT, 4096);
        secret.storedKey()[0] ^= 1;
        secret.salt()[0] ^= 1;
        assertEquals(ScramSecret.fromPassword("pencil", RFC_SALT, 4096), secret);
    }

    @Test
    void mockIsStablePerUserAndKeyAndLooksReal() {
        byte[] key = "installation-key".getBytes(StandardCharsets.UTF_8);
        ScramSecret mock = ScramSecret.mock("nobody", key);
        assertEquals(mock, ScramSecret.mock("nobody", key));
        assertEquals(4096, mock.iterations());
        assertEquals(16, mock.salt().length);
        assertNotEquals(b64(mock.salt()), b64(ScramSecret.mock("someone", key).salt()));
        assertNotEquals(b64(mock.salt()), b64(ScramSecret.mock("nobody", new byte[] {1}).salt()));
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    @Test
    void configuredPasswordIsSaltedLikeTheMockOfTheSameUserAndStable() {
        byte[] key = new byte[32];
        key[0] = 7;
        ScramSecret real = ScramSecret.forConfiguredPassword("app", "pencil", key);
        assertArrayEquals(ScramSecret.mock("app", key).salt(), real.salt(), "the salt never tells whether a user exists");
        assertArrayEquals(real.storedKey(), ScramSecret.forConfiguredPassword("app", "pencil", key).storedKey());
        assertFalse(java.util.Arrays.equals(real.salt(), ScramSecret.forConfiguredPassword("other", "pencil", key).salt()));
    }
}
