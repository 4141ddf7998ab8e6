package io.pgrudder.core.auth;

import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.auth.ScramSecret;

/**
 * What auth_query said about one user: the secret to check the client against (an "md5…" hash, a
 * SCRAM-SHA-256 secret, or plaintext), or why there is none. The reason is for the log only: a
 * client is told "password authentication failed" whatever it is. toString never shows the secret.
 *
 * @param secret null when the user cannot log in
 * @param definite the server answered (a row, no row, a NULL password): worth caching; false when
 *                 the query could not run (server down, wrong auth_query_user password, bad query)
 */
public record AuthQueryResult(String secret, String reason, boolean definite) {

    static AuthQueryResult found(String secret) {
        return new AuthQueryResult(secret, null, true);
    }

    static AuthQueryResult noSecret(String reason) {
        return new AuthQueryResult(null, reason, true);
    }

    static AuthQueryResult failed(String reason) {
        return new AuthQueryResult(null, reason, false);
    }

    public boolean found() {
        return secret != null;
    }

    public boolean isScramSecret() {
        return secret != null && ScramSecret.looksLikeScramSecret(secret);
    }

    public boolean isMd5Hash() {
        return Md5Password.isMd5Hash(secret);
    }

    @Override
    public String toString() {
        return secret != null ? "AuthQueryResult[found]" : "AuthQueryResult[" + reason + "]";
    }
}
