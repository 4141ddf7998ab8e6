package io.pgrudder.protocol.auth;

import java.util.Arrays;
import java.util.Base64;

/**
 * A SCRAM-SHA-256 secret as PostgreSQL stores it in pg_authid.rolpassword:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} (base64 fields). Immutable;
 * the accessors return copies.
 */
public final class ScramSecret {
    private static final String PREFIX = "SCRAM-SHA-256$";
    /** PostgreSQL's defaults: SCRAM_DEFAULT_SALT_LEN and scram_iterations. */
    static final int DEFAULT_SALT_LENGTH = 16;
    static final int DEFAULT_ITERATIONS = 4096;

    private final int iterations;
    private final byte[] salt;
    private final byte[] storedKey;
    private final byte[] serverKey;

    private ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be positive");
        }
        if (salt.length == 0) {
            throw new IllegalArgumentException("SCRAM salt must not be empty");
        }
        if (storedKey.length != ScramCrypto.KEY_LENGTH || serverKey.length != ScramCrypto.KEY_LENGTH) {
            throw new IllegalArgumentException("SCRAM-SHA-256 keys must be " + ScramCrypto.KEY_LENGTH + " bytes");
        }
        this.iterations = iterations;
        this.salt = salt.clone();
        this.storedKey = storedKey.clone();
        this.serverKey = serverKey.clone();
    }

    /** Parses PostgreSQL's stored format; throws IllegalArgumentException if it is not one. */
    public static ScramSecret parse(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 secret");
        }
        String[] halves = secret.substring(PREFIX.length()).split("\\$", -1);
        if (halves.length != 2) {
            throw new IllegalArgumentException("SCRAM-SHA-256 secret must have the form iterations:salt$StoredKey:ServerKey");
        }
        String[] iterationsAndSalt = halves[0].split(":", -1);
        String[] keys = halves[1].split(":", -1);
        if (iterationsAndSalt.length != 2 || keys.length != 2) {
            throw new IllegalArgumentException("SCRAM-SHA-256 secret must have the form iterations:salt$StoredKey:ServerKey");
        }
        return new ScramSecret(parseIterations(iterationsAndSalt[0]), decode(iterationsAndSalt[1], "salt"),
                decode(keys[0], "StoredKey"), decode(keys[1], "ServerKey"));
    }

    /** Whether {@code stored} is a well-formed SCRAM-SHA-256 secret (and not plaintext or MD5). */
    public static boolean looksLikeScramSecret(String stored) {
        try {
            parse(stored);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The secret PostgreSQL would store for {@code password} with this salt and iteration count. */
    public static ScramSecret fromPassword(String password, byte[] salt, int iterations) {
        byte[] salted = ScramCrypto.saltedPassword(SaslPrep.prepareOrRaw(password), salt, iterations);
        byte[] storedKey = ScramCrypto.sha256(ScramCrypto.clientKey(salted));
        byte[] serverKey = ScramCrypto.serverKey(salted);
        Arrays.fill(salted, (byte) 0);
        return new ScramSecret(iterations, salt, storedKey, serverKey);
    }

    /** Like {@code CREATE ROLE ... PASSWORD}: a random 16-byte salt and 4096 iterations. */
    public static ScramSecret fromPassword(String password) {
        return fromPassword(password, ScramCrypto.randomBytes(DEFAULT_SALT_LENGTH), DEFAULT_ITERATIONS);
    }

    /**
     * A stand-in secret for a user that does not exist, so the server-first-message looks the same
     * as for a real user: the salt is stable per user name (HMAC-SHA-256 keyed by the
     * per-installation {@code serverNonceKey}, as PostgreSQL's scram_mock_salt uses its mock
     * authentication nonce), the iteration count is the default. The keys are all zero; an exchange
     * against a mock secret must fail regardless, which {@link ScramServer} ensures.
     */
    /**
     * The secret for a plaintext password that a pooler keeps in its config, salted exactly as
     * {@link #mock} salts a user that does not exist: the salt a client is shown then never tells
     * whether the user exists, and it is the same on every attempt (derive it once, not per login).
     */
    public static ScramSecret forConfiguredPassword(String username, String password, byte[] serverNonceKey) {
        return fromPassword(password, mock(username, serverNonceKey).salt(), DEFAULT_ITERATIONS);
    }

    public static ScramSecret mock(String username, byte[] serverNonceKey) {
        if (serverNonceKey == null || serverNonceKey.length == 0) {
            throw new IllegalArgumentException("mock nonce key must not be empty");
        }
        byte[] salt = Arrays.copyOf(ScramCrypto.hmac(serverNonceKey, username), DEFAULT_SALT_LENGTH);
        byte[] zeros = new byte[ScramCrypto.KEY_LENGTH];
        return new ScramSecret(DEFAULT_ITERATIONS, salt, zeros, zeros);
    }

    public int iterations() {
        return iterations;
    }

    public byte[] salt() {
        return salt.clone();
    }

    public byte[] storedKey() {
        return storedKey.clone();
    }

    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** PostgreSQL's pg_authid format; this reveals the keys, so treat it as the password. */
    public String encode() {
        return PREFIX + iterations + ":" + ScramCrypto.base64(salt) + "$"
                + ScramCrypto.base64(storedKey) + ":" + ScramCrypto.base64(serverKey);
    }

    /** Only the iteration count: secrets end up in logs through toString otherwise. */
    @Override
    public String toString() {
        return "ScramSecret[iterations=" + iterations + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramSecret other
                && iterations == other.iterations
                && Arrays.equals(salt, other.salt)
                && Arrays.equals(storedKey, other.storedKey)
                && Arrays.equals(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        int h = Integer.hashCode(iterations);
        h = 31 * h + Arrays.hashCode(salt);
        h = 31 * h + Arrays.hashCode(storedKey);
        return 31 * h + Arrays.hashCode(serverKey);
    }

    private static int parseIterations(String s) {
        if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("SCRAM iteration count is not a number");
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SCRAM iteration count out of range", e);
        }
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SCRAM " + what + " is not valid base64", e);
        }
    }
}
