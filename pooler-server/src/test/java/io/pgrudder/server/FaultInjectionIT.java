package io.pgrudder.server;

import io.pgrudder.core.testing.CuttingProxy;

import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real faults under a write load with unique keys (autocommit INSERTs and explicit
 * transactions), through pgrudder in transaction mode: a proxy cutting every server connection,
 * kill -9 and SIGSEGV of a backend (PostgreSQL crash-restarts), pg_terminate_backend of every
 * application backend, and a fast shutdown followed by a start. After each: every acknowledged
 * key is stored, none twice, nothing is stored that the client was not told about (an
 * acknowledgement or an error), and every failure came as an ErrorResponse with a SQLSTATE.
 */
class FaultInjectionIT {
    private static final Logger log = LoggerFactory.getLogger(FaultInjectionIT.class);
    private static final int WRITERS = 4;
    private static final Duration GENEROUS = Duration.ofSeconds(90);

    enum Fault { PROXY_CUT, KILL_9, SIGSEGV, TERMINATE_BACKENDS, FAST_SHUTDOWN }

    private static PostgresServer postgres;
    private static CuttingProxy proxy;
    private static PgrudderServer pooler;
    private static int port;
    private static int block;

    @BeforeAll
    static void start() throws Exception {
        // Committed means on disk here: the fixture's default synchronous_commit=off loses the
        // last commits of a crash by design, which would read as the pooler losing them.
        postgres = PostgresServer.start(PostgresServer.Options.defaults().setting("synchronous_commit", "on"));
        postgres.execute("CREATE TABLE faults (k bigint NOT NULL); GRANT ALL ON faults TO PUBLIC");
        proxy = new CuttingProxy(postgres.host(), postgres.port());
        port = PoolerHarness.freePort();
        pooler = PgrudderServer.start(PoolerHarness.singleServer(port, proxy.port(), "transaction", 4));
    }

    @AfterAll
    static void stop() throws Exception {
        if (pooler != null) {
            pooler.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void nothingTwiceNothingLostEveryFailureExplained(Fault fault) throws Exception {
        postgres.execute("TRUNCATE faults");
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.MD5_USER);
        p.setProperty("password", PostgresServer.MD5_PASSWORD);
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        UniqueKeyLoad load = UniqueKeyLoad.start("jdbc:postgresql://127.0.0.1:" + port + "/testdb", p, WRITERS,
                WRITERS * block++);
        try {
            awaitTrue("writes flow", () -> load.acknowledgedCount() >= 100);
            inject(fault);
            int atFault = load.acknowledgedCount();
            awaitTrue("writes flow again after " + fault, () -> load.acknowledgedCount() >= atFault + 100);
        } finally {
            load.close();
        }
        Map<Long, Integer> stored = stored();
        List<Long> twice = stored.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        Set<Long> missing = new HashSet<>(load.acknowledged());
        missing.removeAll(stored.keySet());
        Set<Long> untold = new HashSet<>(stored.keySet());
        untold.removeAll(load.acknowledged());
        untold.removeAll(load.unknown());
        log.info("{}: {} acknowledged, {} failed requests by SQLSTATE {}, {} of those stored anyway", fault,
                load.acknowledged().size(), load.unknown().size(), load.errorsByState(),
                load.unknown().stream().filter(stored::containsKey).count());
        assertEquals(List.of(), twice, fault + ": keys stored twice");
        assertEquals(Set.of(), missing, fault + ": acknowledged keys not stored");
        assertEquals(Set.of(), untold, fault + ": stored keys the client was never told about");
        assertEquals(List.of(), load.withoutSqlState(), fault + ": failures without an ErrorResponse");
    }

    private static void inject(Fault fault) throws Exception {
        log.info("injecting {}", fault);
        switch (fault) {
            case PROXY_CUT -> proxy.cutConnectionsOpenNow();
            case KILL_9 -> signal("-KILL", oneBackend());
            case SIGSEGV -> signal("-SEGV", oneBackend());
            case TERMINATE_BACKENDS -> {
                try (Connection su = postgres.connect("testdb", PostgresServer.SUPERUSER, null);
                     Statement s = su.createStatement()) {
                    s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'md5user'");
                }
            }
            case FAST_SHUTDOWN -> {
                postgres.shutdown("fast");
                postgres.startAgain();
            }
        }
    }

    /** A backend of the load's, running or idle. */
    private static int oneBackend() throws SQLException {
        int[] pid = {0};
        awaitTrue("an application backend", () -> {
            try (Connection su = postgres.connect("testdb", PostgresServer.SUPERUSER, null);
                 Statement s = su.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE usename = 'md5user'"
                         + " ORDER BY state = 'active' DESC LIMIT 1")) {
                if (rs.next()) {
                    pid[0] = rs.getInt(1);
                    return true;
                }
                return false;
            } catch (SQLException e) {
                return false;
            }
        });
        return pid[0];
    }

    private static void signal(String signal, int pid) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Integer.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill " + signal + " " + pid);
    }

    private static Map<Long, Integer> stored() throws SQLException {
        Map<Long, Integer> stored = new HashMap<>();
        awaitTrue("the server answers", () -> {
            try (Connection su = postgres.connect("testdb", PostgresServer.SUPERUSER, null)) {
                return su.isValid(5);
            } catch (SQLException e) {
                return false;
            }
        });
        try (Connection su = postgres.connect("testdb", PostgresServer.SUPERUSER, null);
             Statement s = su.createStatement();
             ResultSet rs = s.executeQuery("SELECT k, count(*) FROM faults GROUP BY k")) {
            while (rs.next()) {
                stored.put(rs.getLong(1), rs.getInt(2));
            }
        }
        return stored;
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        Await.until(what, condition, GENEROUS);
    }
}
