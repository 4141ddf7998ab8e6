package io.pgrudder.protocol.auth;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * What it takes to log in to PostgreSQL with SCRAM-SHA-256 without the password: the ClientKey a
 * client revealed while proving itself against a stored secret (ClientKey = ClientProof XOR
 * HMAC(StoredKey, AuthMessage)), with that secret's salt, iteration count and ServerKey. It works
 * against a server only when the server holds the same secret (same salt and iterations), which
 * {@link ScramClient#withKeys} checks. Immutable; the accessors return copies; treat it as the
 * password (toString shows nothing of it).
 */
public final class ScramKeys {
    private final int iterations;
    private final byte[] salt;
    private final byte[] clientKey;
    private final byte[] serverKey;

    ScramKeys(int iterations, byte[] salt, byte[] clientKey, byte[] serverKey) {
        if (clientKey.length != ScramCrypto.KEY_LENGTH || serverKey.length != ScramCrypto.KEY_LENGTH) {
            throw new IllegalArgumentException("SCRAM-SHA-256 keys must be " + ScramCrypto.KEY_LENGTH + " bytes");
        }
        this.iterations = iterations;
        this.salt = salt.clone();
        this.clientKey = clientKey.clone();
        this.serverKey = serverKey.clone();
    }

    public int iterations() {
        return iterations;
    }

    public byte[] salt() {
        return salt.clone();
    }

    byte[] clientKey() {
        return clientKey.clone();
    }

    byte[] serverKey() {
        return serverKey.clone();
    }

    /** True when these keys belong to {@code secret}: same salt and iterations, and H(ClientKey) is its StoredKey. */
    public boolean belongTo(ScramSecret secret) {
        return secret.iterations() == iterations
                && MessageDigest.isEqual(secret.salt(), salt)
                && MessageDigest.isEqual(ScramCrypto.sha256(clientKey), secret.storedKey())
                && MessageDigest.isEqual(secret.serverKey(), serverKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramKeys other && iterations == other.iterations && Arrays.equals(salt, other.salt)
                && MessageDigest.isEqual(clientKey, other.clientKey) && MessageDigest.isEqual(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * Integer.hashCode(iterations) + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "ScramKeys[iterations=" + iterations + "]";
    }
}
