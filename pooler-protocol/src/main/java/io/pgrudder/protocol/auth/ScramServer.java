package io.pgrudder.protocol.auth;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), used when pgrudder checks a
 * connecting client: {@link #handleClientFirst} answers the SASLInitialResponse with the
 * server-first-message (AuthenticationSASLContinue), {@link #handleClientFinal} answers the
 * SASLResponse with the server-final-message (AuthenticationSASLFinal) or throws.
 *
 * <p>Behaves like PostgreSQL: no channel binding (we never offer SCRAM-SHA-256-PLUS), the user name
 * inside the SCRAM message is ignored in favour of the startup packet's, and a user without a
 * usable secret goes through the whole exchange with a mock secret and fails at the end with the
 * same error as a wrong password, so probing cannot tell which roles exist.
 *
 * <p>Not thread-safe; one instance per exchange. Any exception ends the exchange.
 */
public final class ScramServer {
    private enum State { EXPECT_CLIENT_FIRST, EXPECT_CLIENT_FINAL, COMPLETE, FAILED }

    private final String username;
    private final ScramSecret secret;
    /** True when {@link #secret} is a mock: the exchange must fail whatever the client sends. */
    private final boolean doomed;
    private final String serverNonce;

    private State state = State.EXPECT_CLIENT_FIRST;
    private String gs2Header;
    private String clientNonce;
    private String clientFirstBare;
    private String serverFirst;
    /** Recovered from the client's proof once it verified; null otherwise. */
    private ScramKeys recoveredKeys;

    /**
     * @param secret the user's secret, or null if the user is unknown or has no SCRAM-capable password
     * @param mockNonceKey per-installation random key that makes mock salts stable but unguessable
     */
    public ScramServer(String username, ScramSecret secret, byte[] mockNonceKey) {
        this(username, secret, mockNonceKey, ScramCrypto.newNonce());
    }

    /** With a fixed server nonce, for test vectors. */
    ScramServer(String username, ScramSecret secret, byte[] mockNonceKey, String serverNonce) {
        this.username = Objects.requireNonNull(username, "username");
        Objects.requireNonNull(mockNonceKey, "mockNonceKey");
        this.doomed = secret == null;
        this.secret = secret != null ? secret : ScramSecret.mock(username, mockNonceKey);
        if (!ScramMessages.isPrintable(serverNonce)) {
            throw new IllegalArgumentException("server nonce must be printable");
        }
        this.serverNonce = serverNonce;
    }

    /** For a pool configured with the plaintext password: derives a secret with a random salt. */
    public static ScramServer forPlainPassword(String username, String password, byte[] mockNonceKey) {
        return new ScramServer(username, password == null ? null : ScramSecret.fromPassword(password), mockNonceKey);
    }

    /**
     * For a password as PostgreSQL or an auth file would hold it: a SCRAM secret is used as is,
     * plaintext gets a derived secret, and an MD5 hash or null cannot do SCRAM, so the exchange
     * runs against a mock secret and fails like a wrong password (PostgreSQL does the same).
     * Plaintext is salted as the mock salts this user ({@link ScramSecret#forConfiguredPassword}):
     * a fresh random salt at each login would tell a client that asks twice that the user exists,
     * since a user that does not exist shows the same mock salt every time.
     */
    public static ScramServer forStoredSecret(String username, String storedPassword, byte[] mockNonceKey) {
        ScramSecret secret;
        if (storedPassword == null || Md5Password.isMd5Hash(storedPassword)) {
            secret = null;
        } else if (ScramSecret.looksLikeScramSecret(storedPassword)) {
            secret = ScramSecret.parse(storedPassword);
        } else {
            secret = ScramSecret.forConfiguredPassword(username, storedPassword, mockNonceKey);
        }
        return new ScramServer(username, secret, mockNonceKey);
    }

    /** Takes the client-first-message, returns the server-first-message. */
    public byte[] handleClientFirst(byte[] clientFirst) {
        expect(State.EXPECT_CLIENT_FIRST);
        state = State.FAILED;
        String message = ScramMessages.decode(clientFirst);
        readGs2Header(message);
        clientFirstBare = message.substring(gs2Header.length());
        List<ScramMessages.Attribute> attributes = ScramMessages.attributes(clientFirstBare);
        if (attributes.get(0).name() == 'm') {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, "client requires an unsupported SCRAM extension");
        }
        ScramMessages.require(attributes, 0, 'n'); // ignored: the startup packet names the user
        clientNonce = ScramMessages.require(attributes, 1, 'r');
        if (!ScramMessages.isPrintable(clientNonce)) {
            throw PgException.protocolViolation("non-printable characters in SCRAM nonce");
        }
        // Any further attributes are extensions we do not support; RFC 5802 says ignore them.
        serverFirst = "r=" + clientNonce + serverNonce
                + ",s=" + ScramCrypto.base64(secret.salt())
                + ",i=" + secret.iterations();
        state = State.EXPECT_CLIENT_FINAL;
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /** Takes the client-final-message, returns the server-final-message or throws. */
    public byte[] handleClientFinal(byte[] clientFinal) {
        expect(State.EXPECT_CLIENT_FINAL);
        state = State.FAILED;
        String message = ScramMessages.decode(clientFinal);
        List<ScramMessages.Attribute> attributes = ScramMessages.attributes(message);

        String channelBinding = ScramMessages.require(attributes, 0, 'c');
        byte[] cbindInput = ScramMessages.base64OrNull(channelBinding);
        if (cbindInput == null || !MessageDigest.isEqual(cbindInput, gs2Header.getBytes(StandardCharsets.UTF_8))) {
            throw PgException.protocolViolation("SCRAM channel binding check failed");
        }
        String nonce = ScramMessages.require(attributes, 1, 'r');
        if (!nonce.equals(clientNonce + serverNonce)) {
            throw ScramMessages.malformed("Nonce does not match.");
        }
        int last = attributes.size() - 1;
        ScramMessages.require(attributes, last, 'p');
        for (int i = 2; i < last; i++) {
            if (attributes.get(i).name() == 'p') {
                throw ScramMessages.malformed("Garbage found at the end of client-final-message.");
            }
        }
        byte[] proof = ScramMessages.base64OrNull(attributes.get(last).value());
        if (proof == null || proof.length != ScramCrypto.KEY_LENGTH) {
            throw ScramMessages.malformed("Malformed proof in client-final-message.");
        }

        String withoutProof = message.substring(0, message.lastIndexOf(','));
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramCrypto.hmac(secret.storedKey(), authMessage);
        byte[] clientKey = ScramCrypto.xor(proof, clientSignature);
        boolean proofMatches = MessageDigest.isEqual(ScramCrypto.sha256(clientKey), secret.storedKey());
        if (!proofMatches || doomed) {
            throw authenticationFailed();
        }
        byte[] serverSignature = ScramCrypto.hmac(secret.serverKey(), authMessage);
        recoveredKeys = new ScramKeys(secret.iterations(), secret.salt(), clientKey, secret.serverKey());
        state = State.COMPLETE;
        return ("v=" + ScramCrypto.base64(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    /** True once the client proved it knows the password and the server-final-message was built. */
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    /**
     * After a successful exchange: the ClientKey the client's proof revealed (ClientProof XOR
     * HMAC(StoredKey, AuthMessage), whose SHA-256 matched the StoredKey), with the secret's salt,
     * iterations and ServerKey, so that the pooler can log in to a server holding the same secret
     * on the client's behalf (PgBouncer keeps these per user too). Null before completion.
     */
    public ScramKeys recoveredKeys() {
        return state == State.COMPLETE ? recoveredKeys : null;
    }

    private void readGs2Header(String message) {
        char flag = message.charAt(0);
        if (flag == 'p') {
            throw ScramMessages.malformed("The client selected SCRAM-SHA-256 without channel binding,"
                    + " but the SCRAM message includes channel binding data.");
        }
        if (flag != 'n' && flag != 'y') {
            throw ScramMessages.malformed("Unexpected channel-binding flag \"" + flag + "\".");
        }
        // "y": the client could bind but believes we cannot; true, we never offer -PLUS.
        if (message.length() < 3 || message.charAt(1) != ',') {
            throw ScramMessages.malformed("Comma expected after the channel-binding flag.");
        }
        if (message.startsWith("a=", 2)) {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                    "client uses authorization identity, but it is not supported");
        }
        if (message.charAt(2) != ',') {
            throw ScramMessages.malformed("Unexpected attribute in client-first-message.");
        }
        gs2Header = message.substring(0, 3);
    }

    private PgException authenticationFailed() {
        return PgException.fatal(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + username + "\"");
    }

    private void expect(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }
}
