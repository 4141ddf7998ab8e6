package io.pgrudder.server.admin;

import io.pgrudder.core.pool.Pool;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.List;

/**
 * What the admin console remembers across its sessions: the databases DISABLEd (new clients are
 * refused until ENABLE), how many admin sessions are open, the pools RECONNECT/KILL retired (WAIT_CLOSE waits for their last
 * connection), and one timer thread for the commands that wait (PAUSE, WAIT_CLOSE).
 */
final class ConsoleState {
    final Set<String> disabled = ConcurrentHashMap.newKeySet();
    /** Admin console connections past authentication (SHOW LISTS leaves them out of login_clients). */
    final java.util.concurrent.atomic.AtomicInteger adminSessions = new java.util.concurrent.atomic.AtomicInteger();
    final List<Pool> retired = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgrudder-admin-wait");
        t.setDaemon(true);
        return t;
    });
}
