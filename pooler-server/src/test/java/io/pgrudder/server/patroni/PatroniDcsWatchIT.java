package io.pgrudder.server.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.topology.DcsWatch;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.patroni.testing.PatroniCluster;
import io.pgrudder.server.PgrudderServer;

/**
 * pgrudder watching Patroni's etcd keys ({@code patroni_etcd_hosts}) in front of a real cluster:
 * a due {@code failover} key holds the leader (new transactions wait, running ones finish, a wait
 * past {@code leader_wait_timeout} is 57P03, clearing the key lets the held ones start where they
 * were), and a planned switchover under a continuous write load costs no client an error at all,
 * whether Patroni is asked by patronictl or by the admin console's SWITCHOVER (and one Patroni
 * refuses, or that cannot drain in time, leaves traffic on the same leader).
 * Pool {@code appdb} waits up to 45 s for a leader, pool {@code quick} (same servers, so the same
 * poller) 1.5 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniDcsWatchIT {
    private static final String DATABASE = "appdb";
    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(PatroniDcsWatchIT.class);

    /** One pool: name, extra keys, user, password, database, the inside of servers = [...]. */
    private static final String POOL = """
            [pools.%1$s]
            pool_mode = "transaction"
            default_role = "primary"
            %2$s

            [pools.%1$s.users.0]
            username = "%3$s"
            password = "%4$s"
            pool_size = 6

            [pools.%1$s.shards.0]
            database = "%5$s"
            servers = [%6$s]
            """;

    /** A session-mode pool on the same cluster: its connections stay with their clients. */
    private static final String SESSION_POOL = "sessiondb";

    private static PatroniCluster cluster;
    private static PgrudderServer pooler;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        cluster = PatroniCluster.start();
        String leader = cluster.awaitLeader(GENEROUS);
        try (Connection su = direct(leader, "postgres", PatroniCluster.SUPERUSER, PatroniCluster.SUPERUSER_PASSWORD);
             Statement st = su.createStatement()) {
            st.execute("CREATE DATABASE " + DATABASE + " OWNER " + PatroniCluster.APP_USER);
        }
        try (Connection app = direct(leader, DATABASE, PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD);
             Statement st = app.createStatement()) {
            st.execute("CREATE TABLE writes (id bigserial PRIMARY KEY, client int NOT NULL, seq bigint NOT NULL,"
                    + " server inet NOT NULL DEFAULT inet_server_addr(), at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String servers = PatroniCluster.nodes().stream()
                .map(n -> "[\"" + PatroniCluster.host(n) + "\", " + PatroniCluster.PG_PORT + ", \""
                        + (n.equals(leader) ? "primary" : "replica") + "\"]")
                .collect(Collectors.joining(", "));
        String pool = POOL;
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 3000
                use_patroni_api = true
                patroni_api_port = %d
                patroni_api_timeout = 2000
                leader_wait_timeout = 45000
                patroni_etcd_hosts = ["%s"]
                patroni_scope = "%s"
                patroni_namespace = "%s"
                patroni_api_username = "%s"
                patroni_api_password = "%s"

                """.formatted(port, PatroniCluster.API_PORT, PatroniCluster.etcdEndpoint(), PatroniCluster.SCOPE,
                PatroniCluster.NAMESPACE, PatroniCluster.API_USER, PatroniCluster.API_PASSWORD)
                + pool.formatted(DATABASE, "", PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD, DATABASE, servers)
                + pool.formatted("quick", "leader_wait_timeout = 1500", PatroniCluster.APP_USER,
                        PatroniCluster.APP_PASSWORD, DATABASE, servers)
                + pool.replace("pool_mode = \"transaction\"", "pool_mode = \"session\"").formatted(SESSION_POOL, "",
                        PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD, DATABASE, servers);
        pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("dcs-watch-it.toml"), Map.of()));
        awaitTrue("the etcd watch is live", () -> pooler.pooler().topologyCounters().get(DATABASE) != null
                && pooler.pooler().topologyCounters().get(DATABASE).dcsWatch() == DcsWatch.LIVE, GENEROUS);
    }

    @AfterAll
    static void stop() {
        if (pooler != null) {
            pooler.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aHeldLeaderFinishesWhatRunsStartsNothingNewAndResumesWhenTheKeyIsCleared() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        String candidate = anotherThan(leader);
        awaitTopology("pgrudder follows " + leader, t -> t.leaderName().equals(java.util.Optional.of(leader)));
        try (Connection running = client(DATABASE); Statement st = running.createStatement()) {
            running.setAutoCommit(false);
            st.execute("INSERT INTO writes (client, seq) VALUES (100, 1)");
            // Frozen, the leader's Patroni cannot act on the key: the hold lasts until the key is cleared.
            cluster.stopApi(leader);
            CompletableFuture<String> held;
            try {
                cluster.putDcsKey("failover", "{\"leader\":\"" + leader + "\",\"member\":\"" + candidate + "\"}");
                awaitTopology(leader + " held", Topology::leaderHeld);
                assertEquals(Set.of("t/live"), showTopology(DATABASE), "SHOW TOPOLOGY: leader_held/dcs_watch");
                held = CompletableFuture.supplyAsync(() -> insertOnUnchecked(DATABASE, 101));
                awaitTrue("the new transaction waits", () -> waiting(DATABASE) == 1, GENEROUS);

                SQLException timedOut = assertThrows(SQLException.class, () -> insertOn("quick", 102));
                assertEquals("57P03", timedOut.getSQLState(), timedOut.toString());
                assertTrue(timedOut.getMessage().contains("is being switched over"), timedOut.getMessage());

                st.execute("INSERT INTO writes (client, seq) VALUES (100, 2)");
                running.commit(); // the transaction that was running when the hold began finishes on the leader
                assertEquals(1, waiting(DATABASE), "still held");

                cluster.putDcsKey("failover", "{}");
                awaitTrue("SHOW TOPOLOGY shows the hold released", () -> showTopology(DATABASE).equals(Set.of("f/live")),
                        GENEROUS);
                assertEquals(PatroniCluster.host(leader), held.get(GENEROUS.toSeconds(), TimeUnit.SECONDS),
                        "the held transaction ran on the leader it waited for");
            } finally {
                cluster.startApi(leader);
            }
        }
        assertEquals(2, count(leader, "client = 100"));
        assertEquals(1, count(leader, "client = 101"));
        assertEquals(0, count(leader, "client = 102"));
    }

    @Test
    @Order(2)
    void aSwitchoverUnderWritesCostsNoClientAnError() throws SQLException {
        String oldLeader = cluster.awaitLeader(GENEROUS);
        cluster.awaitHealthy(GENEROUS);
        String candidate = anotherThan(oldLeader);
        WriteLoad load = WriteLoad.start("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, 4, Duration.ofMillis(10));
        try {
            awaitTrue("writes flow through pgrudder", () -> load.commits().size() >= 20, GENEROUS);
            Instant since = Instant.now();
            cluster.switchover(candidate);
            String newHost = PatroniCluster.host(candidate);
            awaitTrue("writes land on " + candidate, () -> load.commitsSince(since).stream()
                    .anyMatch(c -> c.server().equals(newHost)), GENEROUS);
            int after = load.commits().size();
            awaitTrue("more writes on " + candidate, () -> load.commits().size() >= after + 40, GENEROUS);
        } finally {
            load.close();
        }
        log.info("switchover with the watch: {} commits, failures {}", load.commits().size(), load.failures());
        assertEquals(List.of(), load.failures(), "no client saw an error");
        Set<Long> onNewLeader = ids(candidate);
        assertEquals(Set.of(), load.commits().stream().map(WriteLoad.Commit::id).filter(id -> !onNewLeader.contains(id))
                .collect(Collectors.toSet()), "committed rows missing on the new leader");
    }

    @Test
    @Order(3)
    void aSwitchoverFromTheAdminConsoleHoldsDrainsSwitchesAndResumesWithoutAnError() throws SQLException {
        String oldLeader = steadyLeader();
        String candidate = anotherThan(oldLeader);
        WriteLoad load = WriteLoad.start("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, 4, Duration.ofMillis(10));
        try {
            awaitTrue("writes flow through pgrudder", () -> load.commits().size() >= 20, GENEROUS);
            try (Connection admin = admin(); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SWITCHOVER TO " + candidate)) {
                assertTrue(rs.next(), "SWITCHOVER returns a row");
                assertEquals(PatroniCluster.SCOPE, rs.getString("cluster"));
                assertEquals(oldLeader, rs.getString("old_leader"));
                assertEquals(candidate, rs.getString("new_leader"));
                log.info("SWITCHOVER held new transactions for {} ms", rs.getLong("held_ms"));
            }
            assertEquals(Set.of("f/live"), showTopology(DATABASE), "the hold ended with the command");
            int after = load.commits().size();
            awaitTrue("writes go on on " + candidate, () -> load.commits().size() >= after + 40, GENEROUS);
        } finally {
            load.close();
        }
        log.info("SWITCHOVER from the console: {} commits, failures {}", load.commits().size(), load.failures());
        assertEquals(List.of(), load.failures(), "no client saw an error");
        assertEquals(candidate, cluster.awaitLeader(GENEROUS));
        Set<Long> onNewLeader = ids(candidate);
        assertEquals(Set.of(), load.commits().stream().map(WriteLoad.Commit::id).filter(id -> !onNewLeader.contains(id))
                .collect(Collectors.toSet()), "committed rows missing on the new leader");
    }

    @Test
    @Order(4)
    void aSwitchoverPatroniRefusesOrThatCannotDrainEndsTheHoldOnTheSameLeader() throws Exception {
        String leader = steadyLeader();
        String candidate = anotherThan(leader);

        SQLException notMember = assertThrows(SQLException.class, () -> adminQuery("SWITCHOVER TO nobody"));
        assertEquals("22023", notMember.getSQLState(), notMember.toString());
        SQLException toLeader = assertThrows(SQLException.class, () -> adminQuery("SWITCHOVER appdb TO " + leader));
        assertEquals("22023", toLeader.getSQLState(), toLeader.toString());
        SQLException grammar = assertThrows(SQLException.class, () -> adminQuery("SWITCHOVER appdb " + candidate));
        assertEquals("42601", grammar.getSQLState(), grammar.toString());

        // Without Patroni's API credentials its POST is refused (401), and nothing stays held.
        try (PgrudderServer anonymous = PgrudderServer.start(ConfigLoader.parse(anonymousToml(), Path.of("anon.toml"),
                Map.of()))) {
            awaitTrue("the second pooler follows " + leader, () -> anonymous.pooler().topologies().get(DATABASE) != null
                    && anonymous.pooler().topologies().get(DATABASE).leaderName().equals(java.util.Optional.of(leader)),
                    GENEROUS);
            SQLException unauthorized = assertThrows(SQLException.class,
                    () -> adminQuery(anonymousPort, "SWITCHOVER TO " + candidate));
            assertEquals("55000", unauthorized.getSQLState(), unauthorized.toString());
            assertTrue(unauthorized.getMessage().contains("HTTP 401"), unauthorized.getMessage());
            assertFalse(anonymous.pooler().topologies().get(DATABASE).leaderHeld(), "nothing held");
        }
        assertEquals(leader, cluster.awaitLeader(GENEROUS), "Patroni did not switch over");

        cluster.setTags(candidate, Map.of("nofailover", true));
        try {
            SQLException refused = assertThrows(SQLException.class, () -> adminQuery("SWITCHOVER TO " + candidate));
            assertEquals("55000", refused.getSQLState(), refused.toString());
            assertTrue(refused.getMessage().contains("Patroni did not switch over")
                    && refused.getMessage().contains("HTTP 412"), refused.getMessage());
        } finally {
            cluster.setTags(candidate, Map.of());
        }
        assertEquals(Set.of("f/live"), showTopology(DATABASE), "a refused switchover holds nothing");
        assertEquals(PatroniCluster.host(leader), insertOn(DATABASE, 200), "the leader takes writes again");

        // Pool quick waits 1.5 s for a leader: a transaction open on the leader outlasts a third of that.
        try (Connection running = client(DATABASE); Statement st = running.createStatement()) {
            running.setAutoCommit(false);
            st.execute("INSERT INTO writes (client, seq) VALUES (201, 1)");
            SQLException undrained = assertThrows(SQLException.class, () -> adminQuery("SWITCHOVER quick TO " + candidate));
            assertEquals("57014", undrained.getSQLState(), undrained.toString());
            assertTrue(undrained.getMessage().contains("1 transaction(s) still running on " + leader),
                    undrained.getMessage());
            running.commit();
        }
        assertEquals(Set.of("f/live"), showTopology(DATABASE), "the hold ended");
        assertEquals(leader, cluster.awaitLeader(GENEROUS), "Patroni was not asked");
        assertEquals(PatroniCluster.host(leader), insertOn(DATABASE, 202));
    }

    @Test
    @Order(5)
    void aSwitchoverToAMemberThatLacksACommitIsNotAskedOfPatroni() throws Exception {
        String leader = steadyLeader();
        String candidate = anotherThan(leader);
        try (PatroniCluster.ReplicationHold hold = cluster.holdReplication(candidate)) {
            // Committed and acknowledged on the leader, never received by the candidate: Patroni
            // would promote it all the same (far below maximum_lag_on_failover) and lose the row.
            assertEquals(PatroniCluster.host(leader), insertOn(DATABASE, 300));
            SQLException behind = assertThrows(SQLException.class, () -> adminQuery("SWITCHOVER quick TO " + candidate));
            assertEquals("55000", behind.getSQLState(), behind.toString());
            assertTrue(behind.getMessage().contains(candidate + " received up to")
                    && behind.getMessage().contains("bytes behind")
                    && behind.getMessage().contains("Patroni was not asked"), behind.getMessage());
            assertEquals(Set.of("f/live"), showTopology(DATABASE), "the hold ended");
            assertEquals(leader, cluster.awaitLeader(GENEROUS), "Patroni was not asked");
            assertEquals(PatroniCluster.host(leader), insertOn(DATABASE, 301), "the leader takes writes again");
        }
        cluster.awaitHealthy(GENEROUS);
    }

    @Test
    @Order(6)
    void aSwitchoverWaitsForAStatementRunningOutsideATransactionOnASessionModeConnection() throws Exception {
        String leader = steadyLeader();
        String candidate = anotherThan(leader);
        String sleep = "SELECT pg_sleep(3) /* session-mode statement */";
        try (Connection session = client(SESSION_POOL); Statement st = session.createStatement()) {
            // Autocommit: its last ReadyForQuery said idle, and only the unanswered request says it runs.
            CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
                try {
                    st.execute(sleep);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            awaitTrue("the statement runs on " + leader, () -> activeOn(leader, sleep), GENEROUS);
            try (Connection admin = admin(); Statement a = admin.createStatement();
                 ResultSet rs = a.executeQuery("SWITCHOVER TO " + candidate)) {
                assertTrue(rs.next(), "SWITCHOVER returns a row");
                assertEquals(candidate, rs.getString("new_leader"));
            }
            running.get(GENEROUS.toSeconds(), TimeUnit.SECONDS); // finished, not cut by the shutdown
        }
        assertEquals(candidate, cluster.awaitLeader(GENEROUS));
    }

    /** The leader, once every replica streams and pgrudder follows it with nothing held. */
    private static String steadyLeader() {
        String leader = cluster.awaitLeader(GENEROUS);
        cluster.awaitHealthy(GENEROUS);
        awaitTopology("pgrudder follows " + leader, t -> t.leaderName().equals(java.util.Optional.of(leader))
                && !t.leaderHeld());
        return leader;
    }

    private static String anotherThan(String leader) {
        return PatroniCluster.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    }

    /** {@code sql} runs on {@code node} now (pg_stat_activity, state active). */
    private static boolean activeOn(String node, String sql) {
        try (Connection su = direct(node, "postgres", PatroniCluster.SUPERUSER, PatroniCluster.SUPERUSER_PASSWORD);
             java.sql.PreparedStatement st = su.prepareStatement(
                     "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
            st.setString(1, sql);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void adminQuery(String sql) throws SQLException {
        adminQuery(port, sql);
    }

    private static void adminQuery(int atPort, String sql) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", "admin-secret");
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + atPort + "/pgcat", p);
             Statement st = admin.createStatement()) {
            st.execute(sql);
        }
    }

    private static int anonymousPort;

    /** A second pooler on the same cluster without patroni_api_username/_password (REST polling only). */
    private static String anonymousToml() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            anonymousPort = s.getLocalPort();
        }
        String servers = PatroniCluster.nodes().stream()
                .map(n -> "[\"" + PatroniCluster.host(n) + "\", " + PatroniCluster.PG_PORT + ", \"replica\"]")
                .collect(Collectors.joining(", "));
        return """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                use_patroni_api = true
                patroni_api_port = %d
                patroni_api_timeout = 2000

                """.formatted(anonymousPort, PatroniCluster.API_PORT)
                + POOL.formatted(DATABASE, "", PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD, DATABASE, servers);
    }

    private static void awaitTopology(String what, java.util.function.Predicate<Topology> condition) {
        awaitTrue(what, () -> {
            Topology t = pooler.pooler().topologies().get(DATABASE);
            return t != null && condition.test(t);
        }, GENEROUS);
    }

    private static String insertOnUnchecked(String database, int client) {
        try {
            return insertOn(database, client);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String insertOn(String database, int client) throws SQLException {
        try (Connection c = client(database); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("INSERT INTO writes (client, seq) VALUES (" + client + ", 1)"
                     + " RETURNING host(server)")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Connection client(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PatroniCluster.APP_USER);
        p.setProperty("password", PatroniCluster.APP_PASSWORD);
        p.setProperty("sslmode", "disable");
        p.setProperty("prepareThreshold", "0");
        p.setProperty("socketTimeout", "90");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    private static Connection admin() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", "admin-secret");
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgcat", p);
    }

    /** The {@code leader_held/dcs_watch} values of a pool's SHOW TOPOLOGY rows. */
    private static Set<String> showTopology(String pool) {
        try (Connection admin = admin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SHOW TOPOLOGY")) {
            Set<String> values = new java.util.HashSet<>();
            while (rs.next()) {
                if (rs.getString("pool").equals(pool)) {
                    values.add(rs.getString("leader_held") + "/" + rs.getString("dcs_watch"));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new AssertionError("SHOW TOPOLOGY failed: " + e, e);
        }
    }

    /** cl_waiting of a pool (SHOW POOLS on the admin console). */
    private static int waiting(String database) {
        try (Connection admin = admin(); Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW POOLS")) {
            int waiting = 0;
            while (rs.next()) {
                if (rs.getString("database").equals(database)) {
                    waiting += rs.getInt("cl_waiting");
                }
            }
            return waiting;
        } catch (SQLException e) {
            throw new AssertionError("SHOW POOLS failed: " + e, e);
        }
    }

    private static long count(String node, String where) throws SQLException {
        try (Connection c = direct(node, DATABASE, PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM writes WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Set<Long> ids(String node) throws SQLException {
        Set<Long> ids = new java.util.HashSet<>();
        try (Connection c = direct(node, DATABASE, PatroniCluster.APP_USER, PatroniCluster.APP_PASSWORD);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM writes")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static Connection direct(String node, String database, String user, String password) throws SQLException {
        return DriverManager.getConnection(PatroniCluster.jdbcUrl(node, database) + "?sslmode=disable", user, password);
    }

    private static void awaitTrue(String what, BooleanSupplier condition, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            WriteLoad.sleep(50);
        }
    }
}
