package io.pgrudder.protocol.auth;

import java.nio.charset.StandardCharsets;

/**
 * A SCRAM-SHA-256 exchange with fixed nonces and salt, so that a recorded client-final-message
 * still matches a server built later (the fuzz tests replay recorded logins).
 */
public final class ScramFixtures {
    public static final String PASSWORD = "scrampass";
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = "fuzz-salt-16byte".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MOCK_KEY = "mock-auth-nonce-of-the-fuzz-test".getBytes(StandardCharsets.UTF_8);
    /** Derived once: PBKDF2 with 4096 iterations is too slow to repeat per fuzzed session. */
    private static final ScramSecret SECRET = ScramSecret.fromPassword(PASSWORD, SALT, 4096);

    private ScramFixtures() {
    }

    /** A server for one exchange that accepts {@link #recordedExchange()}. */
    public static ScramServer server(String username) {
        return new ScramServer(username, SECRET, MOCK_KEY, SERVER_NONCE);
    }

    /** client-first-message and client-final-message of a successful exchange, as libpq sends them. */
    public static byte[][] recordedExchange() {
        ScramClient client = new ScramClient("", PASSWORD, CLIENT_NONCE);
        byte[] first = client.clientFirstMessage();
        byte[] serverFirst = server("scramuser").handleClientFirst(first);
        return new byte[][]{first, client.handleServerFirst(serverFirst)};
    }
}
