package io.pgrudder.core.auth;

import io.pgrudder.protocol.auth.ScramKeys;
import io.pgrudder.protocol.auth.ScramSecret;

/**
 * What a pool logs in to PostgreSQL with for a user whose plaintext password pgrudder does not
 * know (PgBouncer keeps the same per user): the secret auth_query last returned for it, and the
 * SCRAM keys the last client that logged in as it with SCRAM revealed. An MD5 secret logs in by
 * itself; a SCRAM secret needs the keys, which only a client's SCRAM login yields, and which open
 * every later server connection of the pool (also long after that client's login) until the
 * secret changes.
 *
 * <p>One per (pool, user), kept across reloads (so pool settings holding it compare equal); its
 * identity is its equality. Written by client logins on any loop, read by server logins.
 */
public final class PassThroughSecret {
    private volatile String secret;
    private volatile ScramKeys keys;

    /** The secret auth_query returned at the last successful login, or null (a user with a password in the config). */
    public String secret() {
        return secret;
    }

    /** A client just logged in against {@code secret} (from auth_query; null: from the config) and, with SCRAM, revealed {@code keys}. */
    public void loggedIn(String secret, ScramKeys keys) {
        if (secret != null) {
            this.secret = secret;
        }
        if (keys != null) {
            this.keys = keys;
        }
    }

    /** The keys that log in with {@code scramSecret}, or null when no client revealed them since it was set. */
    public ScramKeys keysFor(String scramSecret) {
        ScramKeys k = keys;
        return k != null && k.belongTo(ScramSecret.parse(scramSecret)) ? k : null;
    }

    @Override
    public String toString() {
        return "PassThroughSecret[" + (secret != null ? "secret" : "no secret") + ", " + (keys != null ? "keys" : "no keys") + "]";
    }
}
