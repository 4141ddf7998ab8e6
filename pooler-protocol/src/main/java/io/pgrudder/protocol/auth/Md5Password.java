package io.pgrudder.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * PostgreSQL's MD5 password scheme (AuthenticationMD5Password): the stored form is
 * {@code "md5" + hex(md5(password + user))}, and the client answers a 4-byte salt with
 * {@code "md5" + hex(md5(hex(md5(password + user)) + salt))}.
 */
public final class Md5Password {
    /** Length of {@code "md5"} plus 32 hex digits, PostgreSQL's MD5_PASSWD_LEN. */
    private static final int STORED_LENGTH = 35;
    private static final String PREFIX = "md5";
    private static final int SALT_LENGTH = 4;
    private static final HexFormat HEX = HexFormat.of(); // lower case, as PostgreSQL writes it
    private static final SecureRandom RANDOM = new SecureRandom();

    private Md5Password() {
    }

    /** What PostgreSQL stores in pg_authid.rolpassword for an MD5 password. */
    public static String hashedPassword(String user, String password) {
        return PREFIX + HEX.formatHex(md5(utf8(password + user)));
    }

    /** The PasswordMessage body a client sends for AuthenticationMD5Password with {@code salt}. */
    public static String clientResponse(String user, String password, byte[] salt) {
        return clientResponseFromHash(hashedPassword(user, password), salt);
    }

    /** Same as {@link #clientResponse} when only the stored {@code "md5..."} hash is known. */
    public static String clientResponseFromHash(String storedMd5Hash, byte[] salt) {
        if (!isMd5Hash(storedMd5Hash)) {
            throw new IllegalArgumentException("not an MD5 password hash");
        }
        checkSalt(salt);
        byte[] hexPart = storedMd5Hash.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
        byte[] input = new byte[hexPart.length + salt.length];
        System.arraycopy(hexPart, 0, input, 0, hexPart.length);
        System.arraycopy(salt, 0, input, hexPart.length, salt.length);
        return PREFIX + HEX.formatHex(md5(input));
    }

    /**
     * Whether {@code response} is the right answer to {@code salt}. {@code stored} is the role's
     * password as PostgreSQL would hold it: an {@code "md5..."} hash or plaintext. A SCRAM secret
     * cannot answer an MD5 challenge, so it never verifies (PostgreSQL refuses it too).
     */
    public static boolean verify(String response, String user, String stored, byte[] salt) {
        if (response == null || user == null || stored == null) {
            return false;
        }
        String expected;
        if (isMd5Hash(stored)) {
            expected = clientResponseFromHash(stored, salt);
        } else if (ScramSecret.looksLikeScramSecret(stored)) {
            return false;
        } else {
            expected = clientResponse(user, stored, salt);
        }
        return MessageDigest.isEqual(utf8(expected), utf8(response));
    }

    /** A fresh random salt for AuthenticationMD5Password. */
    public static byte[] newSalt() {
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return salt;
    }

    /** PostgreSQL's test: "md5" followed by exactly 32 lower-case hex digits. */
    public static boolean isMd5Hash(String s) {
        if (s == null || s.length() != STORED_LENGTH || !s.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static void checkSalt(byte[] salt) {
        if (salt == null || salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("MD5 salt must be " + SALT_LENGTH + " bytes");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] md5(byte[] input) {
        try {
            return MessageDigest.getInstance("MD5").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides MD5", e);
        }
    }
}
