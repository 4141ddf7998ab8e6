package io.pgrudder.server.patroni;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients writing continuously through pgrudder: each thread has one pgjdbc connection
 * (prepareThreshold=0), runs autocommit INSERTs, one per transaction, with a short pause between,
 * and records every commit it saw (the row id and the server that ran it, from
 * {@code inet_server_addr()}) and every error. A client whose connection was closed reconnects.
 */
final class WriteLoad implements AutoCloseable {

    /** A row the client saw committed. */
    record Commit(long id, String server, Instant at) {
    }

    /**
     * A failed statement. {@code inFlight} is true when the error is the server going away under
     * a statement it had already received: 57P01 "terminating connection due to administrator
     * command", the connection closing mid-statement (08006/08003) or its outcome unknown (08007,
     * pgrudder does not replay what may have run). Nothing can save such a
     * transaction. Anything else (57P03 from pgrudder's leader wait, a login failure, a statement
     * that reached a read-only server) is an error a client between transactions must never see.
     */
    record Failure(int client, Instant at, String sqlState, String message, boolean inFlight) {
    }

    private static final Logger log = LoggerFactory.getLogger(WriteLoad.class);
    private static final Set<String> IN_FLIGHT_STATES = Set.of("57P01", "08006", "08003", "08007");

    private static final java.util.concurrent.atomic.AtomicLong LOADS = new java.util.concurrent.atomic.AtomicLong();

    private final String url;
    private final List<Commit> commits = new CopyOnWriteArrayList<>();
    private final List<Failure> failures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    private WriteLoad(String url) {
        this.url = url;
    }

    static WriteLoad start(String url, int clients, Duration pause) {
        WriteLoad load = new WriteLoad(url);
        // Each load's (client, seq) keys are its own: tests share the table, and a key stored
        // twice must mean a write that ran twice.
        long firstSeq = LOADS.incrementAndGet() * 1_000_000_000L;
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> load.run(client, pause, firstSeq), "writer-" + c);
            t.setDaemon(true);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    private void run(int client, Duration pause, long firstSeq) {
        Connection connection = null;
        long seq = firstSeq;
        while (running.get()) {
            try {
                if (connection == null || connection.isClosed()) {
                    connection = connect();
                }
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO writes (client, seq) VALUES (?, ?) RETURNING id, host(server)")) {
                    insert.setInt(1, client);
                    insert.setLong(2, ++seq);
                    try (ResultSet rs = insert.executeQuery()) {
                        rs.next();
                        commits.add(new Commit(rs.getLong(1), rs.getString(2), Instant.now()));
                    }
                }
            } catch (SQLException e) {
                String state = e.getSQLState() == null ? "?" : e.getSQLState();
                Failure failure = new Failure(client, Instant.now(), state, e.getMessage(),
                        IN_FLIGHT_STATES.contains(state));
                failures.add(failure);
                log.info("writer {}: {}", client, failure);
                closeQuietly(connection);
                connection = null;
            }
            sleep(pause.toMillis());
        }
        closeQuietly(connection);
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PatroniPoolerIT.APP_USER);
        p.setProperty("password", PatroniPoolerIT.APP_PASSWORD);
        p.setProperty("sslmode", "disable");
        p.setProperty("prepareThreshold", "0");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "90");
        return DriverManager.getConnection(url, p);
    }

    List<Commit> commits() {
        return List.copyOf(commits);
    }

    List<Failure> failures() {
        return List.copyOf(failures);
    }

    List<Commit> commitsSince(Instant since) {
        return commits.stream().filter(c -> !c.at().isBefore(since)).toList();
    }

    List<Failure> failuresSince(Instant since) {
        return failures.stream().filter(f -> !f.at().isBefore(since)).toList();
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(100_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already gone
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
