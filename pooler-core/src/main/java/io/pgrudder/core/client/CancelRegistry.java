package io.pgrudder.core.client;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BackendKeyData pgrudder gave its clients and whom each belongs to. A CancelRequest arrives
 * on a new connection, on any event loop, so this map is concurrent. Secrets are always ours;
 * the process id is the real backend's in session mode and one of ours in transaction mode.
 */
public final class CancelRegistry {
    /** What a cancel is forwarded to. */
    public interface Cancellable {
        /**
         * Forwards the cancel (from any thread); calls {@code finished} exactly once, when the
         * forwarded cancel is over or when there was nothing to cancel.
         */
        void cancel(Runnable finished);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<CancelKey, Cancellable> sessions = new ConcurrentHashMap<>();
    /** Keys with a cancel being forwarded: one at a time per key, each opens a server connection. */
    private final Set<CancelKey> inFlight = ConcurrentHashMap.newKeySet();

    /** A key with a process id of our own (positive, like a real pid), unique among live keys. */
    public CancelKey register(Cancellable session) {
        while (true) {
            CancelKey key = new CancelKey(1 + RANDOM.nextInt(Integer.MAX_VALUE - 1), secret());
            if (sessions.putIfAbsent(key, session) == null) {
                return key;
            }
        }
    }

    /** A key carrying a real backend's process id. */
    public CancelKey register(int processId, Cancellable session) {
        while (true) {
            CancelKey key = new CancelKey(processId, secret());
            if (sessions.putIfAbsent(key, session) == null) {
                return key;
            }
        }
    }

    public void unregister(CancelKey key, Cancellable session) {
        sessions.remove(key, session);
    }

    /**
     * Forwards the cancel when the key is ours; an unknown key is ignored, as PostgreSQL does. A
     * cancel for a key whose previous cancel is still being forwarded is dropped too: a client (or
     * anyone who learnt the key) repeating CancelRequests must not open a server connection each.
     *
     * @return whether the cancel was forwarded
     */
    public boolean cancel(CancelKey key) {
        return cancel(key, () -> { });
    }

    /**
     * As {@link #cancel(CancelKey)}; {@code over} runs once (on any thread) when the forwarded
     * cancel is over, at once when nothing was forwarded. The client's cancel connection closes
     * then: a driver waits for that close before its next statement, as PostgreSQL closes it only
     * after signalling the backend. Closing it earlier lets the cancel land on the next statement.
     */
    public boolean cancel(CancelKey key, Runnable over) {
        Cancellable session = sessions.get(key);
        if (session == null || !inFlight.add(key)) {
            over.run();
            return false;
        }
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            session.cancel(() -> {
                if (once.compareAndSet(false, true)) {
                    inFlight.remove(key);
                    over.run();
                }
            });
        } catch (RuntimeException e) {
            if (once.compareAndSet(false, true)) {
                inFlight.remove(key);
                over.run();
            }
            throw e;
        }
        return true;
    }

    public int size() {
        return sessions.size();
    }

    private static byte[] secret() {
        byte[] secret = new byte[4];
        RANDOM.nextBytes(secret);
        return secret;
    }
}
