package io.pgrudder.core.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PassThroughSecret} of every (pool, user) that needs one, across reloads. Created for
 * users of the config whose server password is not plaintext (none and an auth_query, or a SCRAM
 * secret), and for users only auth_query knows once they logged in; removed with their pool.
 */
public final class PassThroughSecrets {
    private record Key(String pool, String user) {
    }

    private final Map<Key, PassThroughSecret> secrets = new ConcurrentHashMap<>();

    public PassThroughSecret forUser(String pool, String user) {
        return secrets.computeIfAbsent(new Key(pool, user), k -> new PassThroughSecret());
    }

    public Optional<PassThroughSecret> existing(String pool, String user) {
        return Optional.ofNullable(secrets.get(new Key(pool, user)));
    }

    public void remove(String pool, String user) {
        secrets.remove(new Key(pool, user));
    }
}
