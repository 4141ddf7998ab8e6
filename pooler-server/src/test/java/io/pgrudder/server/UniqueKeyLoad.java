package io.pgrudder.server;

import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writers through the pooler, each inserting keys no other writer uses: autocommit INSERTs and,
 * every third time, an explicit transaction of two INSERTs. What the client was told is kept:
 * keys acknowledged, keys whose request failed (their outcome may be either), and failures that
 * did not come as an ErrorResponse with a SQLSTATE (which must not happen).
 */
final class UniqueKeyLoad implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UniqueKeyLoad.class);
    private static final long KEYS_PER_WRITER = 1_000_000_000L;

    private final String url;
    private final Properties properties;
    private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    private final Set<Long> unknown = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> errorsByState = new ConcurrentHashMap<>();
    private final List<String> withoutSqlState = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    private UniqueKeyLoad(String url, Properties properties) {
        this.url = url;
        this.properties = properties;
    }

    /** {@code firstKeyBlock} keeps the keys of successive loads apart. */
    static UniqueKeyLoad start(String url, Properties properties, int writers, int firstKeyBlock) {
        UniqueKeyLoad load = new UniqueKeyLoad(url, properties);
        for (int w = 0; w < writers; w++) {
            long base = (firstKeyBlock + w) * KEYS_PER_WRITER;
            Thread t = new Thread(() -> load.run(base), "unique-key-writer-" + w);
            t.setDaemon(true);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    private void run(long base) {
        Connection c = null;
        long next = base;
        while (running.get()) {
            long first = next;
            boolean explicit = (next - base) % 3 == 2;
            next += explicit ? 2 : 1;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url, properties);
                }
                if (explicit) {
                    c.setAutoCommit(false);
                    insert(c, first);
                    insert(c, first + 1);
                    c.commit();
                    c.setAutoCommit(true);
                    acknowledged.add(first);
                    acknowledged.add(first + 1);
                } else {
                    insert(c, first);
                    acknowledged.add(first);
                }
            } catch (SQLException e) {
                unknown.add(first);
                if (explicit) {
                    unknown.add(first + 1);
                }
                failed(e);
                c = afterFailure(c);
                pace();
            }
        }
        closeQuietly(c);
    }

    private static void insert(Connection c, long key) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO faults (k) VALUES (?)")) {
            insert.setLong(1, key);
            insert.executeUpdate();
        }
    }

    private void failed(SQLException e) {
        boolean fromServer = e instanceof PSQLException p && p.getServerErrorMessage() != null && e.getSQLState() != null;
        if (fromServer) {
            errorsByState.merge(e.getSQLState(), 1, Integer::sum);
        } else {
            withoutSqlState.add(e.toString());
        }
        log.debug("writer failure: {} {}", e.getSQLState(), e.getMessage());
    }

    /** The connection goes on when it can (transaction mode keeps it across a lost server). */
    private static Connection afterFailure(Connection c) {
        if (c == null) {
            return null;
        }
        try {
            if (c.isClosed()) {
                return null;
            }
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            return null;
        }
    }

    /** After an error, not a tight loop against a server that is down. */
    private static void pace() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    Set<Long> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    Set<Long> unknown() {
        return Set.copyOf(unknown);
    }

    Map<String, Integer> errorsByState() {
        return Map.copyOf(errorsByState);
    }

    List<String> withoutSqlState() {
        return List.copyOf(withoutSqlState);
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // gone anyway
            }
        }
    }
}
