package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.pgrudder.server.SessionPoolingIT.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool split into one share per event loop behaves as one pool: pool_size 4 over two loops
 * (two shares of two). Clients are spread over the loops in turn as they connect, so among four
 * clients each loop has some, and every round below releases on one loop what a client on
 * either loop waits for. A share that fails to pass a waiter on, or to take one, leaves a client
 * waiting while a connection is idle, and the test hangs in {@code get} (connect_timeout is a
 * minute, so a 53300 cannot hide it either).
 */
@ExtendWith(PostgresExtension.class)
class PoolSharesIT {
    private PoolerHarness harness;
    private PostgresServer postgres;
    private final List<Connection> clients = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** When this test's pooler started: backends older than that belong to an earlier test. */
    private String startedAt;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        this.postgres = postgres;
        try (Connection direct = postgres.connect("testdb", "postgres", null)) {
            startedAt = scalar(direct, "SELECT clock_timestamp()::text");
        }
        harness = PoolerHarness.start(postgres, "transaction", "", 4, "connect_timeout = 60000\nworker_threads = 2");
    }

    @AfterEach
    void stop() throws SQLException {
        for (Connection c : clients) {
            c.close();
        }
        pool.shutdownNow();
        harness.close();
    }

    private Connection client() throws SQLException {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "0");
        Connection c = harness.connect("testdb", "md5user", "md5pass", p);
        clients.add(c);
        return c;
    }

    @Test
    void allOfPoolSizeServesClientsOnEitherLoopAndNoClientWaitsWhileAConnectionIsIdle() throws Exception {
        List<Connection> holders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            holders.add(client());
        }
        Connection waiter = client();
        // Four open transactions at once: each share has two connections, so whichever loops the
        // clients are on, a share with more than two of them has passed one to its sibling.
        Set<String> pids = new HashSet<>();
        for (Connection h : holders) {
            try (Statement s = h.createStatement()) {
                s.execute("BEGIN");
            }
            pids.add(scalar(h, "SELECT pg_backend_pid()"));
        }
        assertEquals(4, pids.size(), "four transactions, four server connections");
        assertEquals(4, backends(), "pool_size is the pool's, not each share's");

        for (int round = 0; round < holders.size(); round++) {
            Connection holder = holders.get(round);
            CompletableFuture<String> waited = CompletableFuture.supplyAsync(() -> query(waiter, "SELECT 'served'"), pool);
            // The waiter is queued (the pool is full); once it is, one transaction ends.
            awaitWaiting(1);
            assertFalse(waited.isDone(), "every connection is in a transaction: the waiter waits");
            try (Statement s = holder.createStatement()) {
                s.execute("COMMIT");
            }
            assertEquals("served", waited.get(60, TimeUnit.SECONDS), "round " + round);
            try (Statement s = holder.createStatement()) {
                s.execute("BEGIN");
            }
            scalar(holder, "SELECT 1");
            assertEquals(4, backends(), "round " + round + ": still exactly pool_size connections");
        }
        for (Connection h : holders) {
            try (Statement s = h.createStatement()) {
                s.execute("COMMIT");
            }
        }
        assertTrue(backends() <= 4);
    }

    @Test
    void aShareWithoutRoomPassesItsClientToTheSiblingWithRoom() throws Exception {
        // Clients land on the two loops in turn: the 1st, 3rd and 5th share one loop, whose share
        // has two connections. The third of them is served by the other loop's share.
        List<Connection> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(client());
        }
        Set<String> pids = new HashSet<>();
        for (int i = 0; i < 5; i += 2) {
            Connection c = all.get(i);
            CompletableFuture<String> began = CompletableFuture.supplyAsync(() -> {
                execute(c, "BEGIN");
                return query(c, "SELECT pg_backend_pid()");
            }, pool);
            pids.add(began.get(60, TimeUnit.SECONDS));
        }
        assertEquals(3, pids.size(), "three open transactions, three server connections");
        for (int i = 0; i < 5; i += 2) {
            execute(all.get(i), "COMMIT");
        }
        assertTrue(backends() <= 4);
    }

    /** Polls the admin console until SHOW POOLS counts {@code n} waiting clients of testdb. */
    private void awaitWaiting(int n) throws Exception {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", "simple");
        try (Connection admin = harness.connect("pgcat", "admin", "admin-secret", p)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                int waiting = 0;
                try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW POOLS")) {
                    while (rs.next()) {
                        if ("testdb".equals(rs.getString("database"))) {
                            waiting += rs.getInt("cl_waiting");
                        }
                    }
                }
                if (waiting >= n) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "no client of testdb waits");
                Thread.sleep(10);
            }
        }
    }

    private static void execute(Connection c, String sql) {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String query(Connection c, String sql) {
        try {
            return scalar(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The server connections this test's pooler holds. The PostgreSQL server is shared by the
     * whole run and md5user by many tests: a backend of the pooler an earlier test closed may
     * still be exiting, so only backends started after this pooler count.
     */
    private int backends() throws SQLException {
        try (Connection direct = postgres.connect("testdb", "postgres", null);
             java.sql.PreparedStatement s = direct.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE usename = 'md5user' AND backend_type = 'client backend'"
                     + " AND backend_start >= ?::timestamptz")) {
            s.setString(1, startedAt);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
