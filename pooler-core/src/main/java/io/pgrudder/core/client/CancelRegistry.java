package io.pgrudder.core.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which client session a BackendKeyData we issued belongs to. A CancelRequest arrives on a new
 * connection, on any event loop, so this map is concurrent.
 */
public final class CancelRegistry {
    /** What a cancel is forwarded to. */
    public interface Cancellable {
        void cancel();
    }

    private final Map<CancelKey, Cancellable> sessions = new ConcurrentHashMap<>();

    public void register(CancelKey key, Cancellable session) {
        sessions.put(key, session);
    }

    public void unregister(CancelKey key, Cancellable session) {
        sessions.remove(key, session);
    }

    /** Forwards the cancel when the key is ours; an unknown key is ignored, as PostgreSQL does. */
    public boolean cancel(CancelKey key) {
        Cancellable session = sessions.get(key);
        if (session == null) {
            return false;
        }
        session.cancel();
        return true;
    }

    public int size() {
        return sessions.size();
    }
}
