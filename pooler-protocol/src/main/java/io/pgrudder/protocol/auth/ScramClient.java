package io.pgrudder.protocol.auth;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;

/**
 * The client side of one SCRAM-SHA-256 exchange, used when pgrudder logs in to PostgreSQL:
 * {@link #clientFirstMessage} goes into SASLInitialResponse, {@link #handleServerFirst} turns
 * AuthenticationSASLContinue into the SASLResponse, {@link #verifyServerFinal} checks
 * AuthenticationSASLFinal, which proves the server knew the secret too.
 *
 * <p>Like libpq without channel binding: gs2 header {@code n,,} and an empty user name (PostgreSQL
 * takes the user from the startup packet). Not thread-safe; one instance per exchange.
 */
public final class ScramClient {
    public static final String MECHANISM = "SCRAM-SHA-256";
    private static final String GS2_HEADER = "n,,";

    private enum State { INITIAL, EXPECT_SERVER_FIRST, EXPECT_SERVER_FINAL, COMPLETE, FAILED }

    private final String username;
    /** Null when the exchange uses {@link #keys} instead. */
    private final String password;
    /** Keys recovered from a client's proof (pass-through); null when the password is known. */
    private final ScramKeys keys;
    private final String clientNonce;

    private State state = State.INITIAL;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramClient(String password) {
        this("", password, ScramCrypto.newNonce());
    }

    /** With a user name and a fixed client nonce, for test vectors such as RFC 7677's. */
    ScramClient(String username, String password, String clientNonce) {
        this(username, Objects.requireNonNull(password, "password"), null, clientNonce);
    }

    private ScramClient(String username, String password, ScramKeys keys, String clientNonce) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = password;
        this.keys = keys;
        if (!ScramMessages.isPrintable(clientNonce)) {
            throw new IllegalArgumentException("client nonce must be printable");
        }
        this.clientNonce = clientNonce;
    }

    /**
     * An exchange that proves itself with keys recovered from a client's proof rather than with
     * the password: ClientProof = ClientKey XOR HMAC(H(ClientKey), AuthMessage), and the server's
     * signature is checked with the secret's ServerKey. The server must offer the salt and
     * iteration count of the secret the keys came from; otherwise the exchange fails (28P01).
     */
    public static ScramClient withKeys(ScramKeys keys) {
        return new ScramClient("", null, Objects.requireNonNull(keys, "keys"), ScramCrypto.newNonce());
    }

    /** {@link #withKeys} with a user name and a fixed client nonce, for test vectors. */
    static ScramClient withKeys(String username, ScramKeys keys, String clientNonce) {
        return new ScramClient(username, null, Objects.requireNonNull(keys, "keys"), clientNonce);
    }

    /** The client-first-message, {@code n,,n=,r=<nonce>}. */
    public byte[] clientFirstMessage() {
        expect(State.INITIAL);
        clientFirstBare = "n=" + saslName(username) + ",r=" + clientNonce;
        state = State.EXPECT_SERVER_FIRST;
        return (GS2_HEADER + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** Takes the server-first-message, returns the client-final-message with the proof. */
    public byte[] handleServerFirst(byte[] serverFirst) {
        expect(State.EXPECT_SERVER_FIRST);
        state = State.FAILED;
        String message = ScramMessages.decode(serverFirst);
        List<ScramMessages.Attribute> attributes = ScramMessages.attributes(message);
        if (attributes.get(0).name() == 'm') {
            throw ScramMessages.malformed("The server requires an unsupported SCRAM extension.");
        }
        String nonce = ScramMessages.require(attributes, 0, 'r');
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length() || !ScramMessages.isPrintable(nonce)) {
            throw PgException.protocolViolation("invalid SCRAM response (nonce mismatch)");
        }
        byte[] salt = ScramMessages.base64OrNull(ScramMessages.require(attributes, 1, 's'));
        if (salt == null || salt.length == 0) {
            throw ScramMessages.malformed("Invalid salt in server-first-message.");
        }
        int iterations = parseIterations(ScramMessages.require(attributes, 2, 'i'));

        byte[] clientKey;
        byte[] serverKey;
        if (keys != null) {
            if (keys.iterations() != iterations || !MessageDigest.isEqual(keys.salt(), salt)) {
                throw PgException.fatal(SqlState.INVALID_PASSWORD, "the server's SCRAM salt or iteration count differs"
                        + " from the secret the client logged in with (was the password changed?), so its keys cannot"
                        + " log in");
            }
            clientKey = keys.clientKey();
            serverKey = keys.serverKey();
        } else {
            byte[] salted = ScramCrypto.saltedPassword(SaslPrep.prepareOrRaw(password), salt, iterations);
            clientKey = ScramCrypto.clientKey(salted);
            serverKey = ScramCrypto.serverKey(salted);
        }
        String withoutProof = "c=" + ScramCrypto.base64(GS2_HEADER.getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce;
        byte[] authMessage = (clientFirstBare + "," + message + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramCrypto.hmac(ScramCrypto.sha256(clientKey), authMessage);
        byte[] proof = ScramCrypto.xor(clientKey, clientSignature);
        expectedServerSignature = ScramCrypto.hmac(serverKey, authMessage);
        state = State.EXPECT_SERVER_FINAL;
        return (withoutProof + ",p=" + ScramCrypto.base64(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks the server-final-message; throws unless the server proved it holds the secret. */
    public void verifyServerFinal(byte[] serverFinal) {
        expect(State.EXPECT_SERVER_FINAL);
        state = State.FAILED;
        List<ScramMessages.Attribute> attributes = ScramMessages.attributes(ScramMessages.decode(serverFinal));
        ScramMessages.Attribute first = attributes.get(0);
        if (first.name() == 'e') {
            throw PgException.fatal(SqlState.INVALID_PASSWORD, "SCRAM authentication failed: server error \"" + first.value() + "\"");
        }
        byte[] signature = ScramMessages.base64OrNull(ScramMessages.require(attributes, 0, 'v'));
        if (signature == null) {
            throw ScramMessages.malformed("Invalid server signature in server-final-message.");
        }
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw PgException.fatal(SqlState.INVALID_PASSWORD, "SCRAM server signature does not match");
        }
        state = State.COMPLETE;
    }

    /** True once the server's signature was verified. */
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    private static int parseIterations(String value) {
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ScramMessages.malformed("Invalid iteration count in server-first-message.");
        }
        try {
            int iterations = Integer.parseInt(value);
            if (iterations >= 1) {
                return iterations;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw ScramMessages.malformed("Invalid iteration count in server-first-message.");
    }

    /** RFC 5802 saslname: ',' and '=' escaped as =2C and =3D. */
    private static String saslName(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }

    private void expect(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }
}
