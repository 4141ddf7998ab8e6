package io.pgrudder.core.backend;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pooler's prepared statements one server session has (server-side names), least recently
 * used first, each either trusted or not. An untrusted one may or may not exist on the server, or
 * exists planned against what is gone: before its next use it is closed (a Close of a statement
 * the server lacks is no error) and prepared again, so the pooler never gets out of step with the
 * server whatever happened to it.
 *
 * <p>A statement the server prepared inside a transaction that rolls back stays prepared, but a
 * type it was planned with may be gone ("cache lookup failed for type"). So the statements the
 * server confirmed (ParseComplete) since its last ReadyForQuery 'I' are watched until the next:
 * an ErrorResponse or a CommandComplete ROLLBACK in between (ROLLBACK TO SAVEPOINT and the COMMIT
 * of a failed transaction have that tag too) makes them untrusted, and runs what was to be undone
 * if that happened (the registry's "some server accepted it"). Owned by whoever holds the
 * connection: one thread at a time.
 */
public final class ServerStatements {
    /** Name to trusted, in access order. */
    private final LinkedHashMap<String, Boolean> byName = new LinkedHashMap<>(16, 0.75f, true);
    /** Statements the server confirmed since its last ReadyForQuery 'I'; all of them are in {@link #byName}. */
    private final Set<String> sinceIdle = new HashSet<>();
    /** What to undo if the transaction those confirmations happened in rolls back. */
    private final List<Runnable> onRollback = new ArrayList<>();

    /** True when the server has it and it can be used as it is; counts as a use for the LRU. */
    public boolean usable(String name) {
        return Boolean.TRUE.equals(byName.get(name));
    }

    /** True when the pooler may have it on the server, trusted or not. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** A Parse of it is being sent. */
    public void preparing(String name) {
        byName.put(name, Boolean.TRUE);
    }

    /**
     * A Close of it is being sent, or it is gone from the server; returns whether it was here
     * (the server may have it, and a Parse of it must follow a Close).
     */
    public boolean remove(String name) {
        sinceIdle.remove(name);
        return byName.remove(name) != null;
    }

    /** It may or may not exist on the server, or not be what it should: closed and prepared again before its next use. */
    public void distrust(String name) {
        sinceIdle.remove(name);
        byName.put(name, Boolean.FALSE);
    }

    /** Every statement here may be gone from the server (a DEALLOCATE ALL ran there). */
    public void distrustAll() {
        byName.replaceAll((name, trusted) -> Boolean.FALSE);
        sinceIdle.clear();
    }

    /** The least recently used statement, or null when there is none. */
    public String eldest() {
        Iterator<String> it = byName.keySet().iterator();
        return it.hasNext() ? it.next() : null;
    }

    public int size() {
        return byName.size();
    }

    /** The server has none of them (DISCARD ALL, DEALLOCATE ALL). */
    public void clear() {
        byName.clear();
        sinceIdle.clear();
    }

    /**
     * The server confirmed a Parse of it; {@code ifRolledBack} (may be null) runs if the
     * transaction this happened in rolls back.
     */
    public void confirmed(String name, Runnable ifRolledBack) {
        if (byName.containsKey(name)) {
            sinceIdle.add(name);
        }
        if (ifRolledBack != null) {
            onRollback.add(ifRolledBack);
        }
    }

    /** ReadyForQuery 'I': what the server confirmed since the last one stands. */
    public void idle() {
        if (!sinceIdle.isEmpty() || !onRollback.isEmpty()) {
            sinceIdle.clear();
            onRollback.clear();
        }
    }

    /** An ErrorResponse, or CommandComplete ROLLBACK: what was prepared since the last 'I' may be undone. */
    public void rolledBack() {
        for (String name : sinceIdle) {
            byName.replace(name, Boolean.FALSE);
        }
        sinceIdle.clear();
        List<Runnable> undo = List.copyOf(onRollback);
        onRollback.clear();
        undo.forEach(Runnable::run);
    }

    /** The names and whether each is trusted, least recently used first (for tests and diagnostics). */
    Map<String, Boolean> snapshot() {
        return new LinkedHashMap<>(byName);
    }
}
