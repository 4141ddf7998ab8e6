package io.pgrudder.server.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.patroni.testing.PatroniCluster;
import io.pgrudder.server.PgrudderServer;

/**
 * pgrudder in transaction mode in front of a real three-node Patroni cluster, with four clients
 * writing continuously (one INSERT per transaction, 10 ms apart). The tests run in order on one
 * cluster: a frozen REST API, a planned switchover, a leader kill, the killed leader coming back
 * as a replica, then reads from a {@code default_role = "replica"} pool: spread over the healthy
 * replicas, kept off a replica tagged {@code noloadbalance} and off one lagging more than
 * {@code max_replica_lag}, and back on each once it is healthy again.
 *
 * <p>The cluster's REST API is HTTPS with a CA made for this run, and pgrudder polls it with
 * {@code patroni_api_protocol = "https"} and {@code patroni_api_ca}: every test here goes through
 * that path ({@code PatroniPollerIT} covers plain HTTP). A second pgrudder trusting another CA
 * must find no leader.
 *
 * <p>Errors are split honestly: an "in flight" error is the server going away under a statement
 * it already had (see {@link WriteLoad.Failure}); every other error is one a client between
 * transactions saw, and those must not happen at all.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniPoolerIT {
    static final String APP_USER = PatroniCluster.APP_USER;
    static final String APP_PASSWORD = PatroniCluster.APP_PASSWORD;
    private static final String DATABASE = "appdb";
    private static final int CLIENTS = 4;
    private static final Duration PAUSE = Duration.ofMillis(10);
    private static final Duration GENEROUS = Duration.ofSeconds(60);
    /** max_replica_lag of the reads pool. */
    private static final long MAX_REPLICA_LAG = 1L << 20;
    private static final Logger log = LoggerFactory.getLogger(PatroniPoolerIT.class);

    private static PatroniCluster cluster;
    private static PgrudderServer pooler;
    private static int port;
    private static int metricsPort;
    /** The node killed by the leader-kill test, restarted by the next one. */
    private static String killed;
    private static Instant killedAt;

    private WriteLoad load;

    @BeforeAll
    static void start() throws Exception {
        cluster = PatroniCluster.startWithHttpsApi();
        String leader = cluster.awaitLeader(GENEROUS);
        try (Connection su = direct(leader, "postgres", PatroniCluster.SUPERUSER, PatroniCluster.SUPERUSER_PASSWORD);
             Statement st = su.createStatement()) {
            st.execute("CREATE DATABASE " + DATABASE + " OWNER " + APP_USER);
        }
        try (Connection app = direct(leader, DATABASE, APP_USER, APP_PASSWORD); Statement st = app.createStatement()) {
            st.execute("CREATE TABLE writes (id bigserial PRIMARY KEY, client int NOT NULL, seq bigint NOT NULL,"
                    + " server inet NOT NULL DEFAULT inet_server_addr(), at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
        port = freePort();
        metricsPort = io.pgrudder.server.ops.OpsHarness.freeHttpPort();
        String servers = serversToml(leader);
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                connect_timeout = 3000
                use_patroni_api = true
                patroni_api_port = %d
                patroni_api_protocol = "https"
                patroni_api_ca = "%s"
                patroni_poll_interval = 250
                # Each poll is a TLS handshake with Patroni's Python server; under Netty's paranoid
                # leak detection on a loaded 2-core CI box 500 ms is too tight to be steady.
                patroni_api_timeout = 2000
                leader_wait_timeout = 45000
                enable_prometheus_exporter = true
                prometheus_exporter_port = %d

                [pools.%s]
                pool_mode = "transaction"
                default_role = "primary"

                [pools.%s.users.0]
                username = "%s"
                password = "%s"
                pool_size = 6

                [pools.%s.shards.0]
                database = "%s"
                servers = [%s]

                [pools.reads]
                pool_mode = "transaction"
                default_role = "replica"
                max_replica_lag = %d

                [pools.reads.users.0]
                username = "%s"
                password = "%s"
                pool_size = 4

                [pools.reads.shards.0]
                database = "%s"
                servers = [%s]
                """.formatted(port, PatroniCluster.API_PORT, cluster.certificates().orElseThrow().ca(), metricsPort, DATABASE,
                DATABASE, APP_USER, APP_PASSWORD, DATABASE, DATABASE, servers, MAX_REPLICA_LAG, APP_USER, APP_PASSWORD,
                DATABASE, servers);
        pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("patroni-it.toml"), Map.of()));
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

    @BeforeEach
    void startWriting() {
        load = WriteLoad.start("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, CLIENTS, PAUSE);
        awaitTrue("writes flow through pgrudder", () -> load.commits().size() >= 20, GENEROUS);
    }

    @AfterEach
    void stopWriting() {
        load.close();
        log.info("{} commits, failures: {}", load.commits().size(), load.failures());
    }

    @Test
    @Order(1)
    void aFrozenReplicaApiChangesNothing() {
        String leader = cluster.awaitLeader(GENEROUS);
        String frozen = otherThan(leader).get(1);
        Instant since = Instant.now();
        cluster.stopApi(frozen);
        try {
            WriteLoad.sleep(5000);
        } finally {
            cluster.startApi(frozen);
        }
        WriteLoad.sleep(500);
        assertEquals(leader, cluster.awaitLeader(GENEROUS), "the leader moved while " + frozen + "'s API was frozen");
        assertEquals(List.of(), load.failuresSince(since));
        List<WriteLoad.Commit> commits = load.commitsSince(since);
        assertTrue(commits.size() > 100, "writes kept flowing: " + commits.size());
        assertTrue(commits.stream().allMatch(c -> c.server().equals(PatroniCluster.host(leader))),
                "every write went to the leader " + leader);
    }

    @Test
    @Order(2)
    void aPlannedSwitchoverIsOnlyAPause() throws SQLException {
        String oldLeader = cluster.awaitLeader(GENEROUS);
        String candidate = otherThan(oldLeader).get(0);
        Instant since = Instant.now();
        cluster.switchover(candidate);
        cluster.awaitLeader(candidate::equals, GENEROUS);
        Instant named = Instant.now();
        String newHost = PatroniCluster.host(candidate);
        awaitTrue("a write lands on the new leader", () -> load.commitsSince(since).stream()
                .anyMatch(c -> c.server().equals(newHost)), GENEROUS);
        Instant firstOnNew = load.commitsSince(since).stream().filter(c -> c.server().equals(newHost))
                .map(WriteLoad.Commit::at).min(Instant::compareTo).orElseThrow();
        log.info("switchover {} -> {}: first write on the new leader {} ms after the fixture saw it lead",
                oldLeader, candidate, Duration.between(named, firstOnNew).toMillis());
        WriteLoad.sleep(1000);
        List<WriteLoad.Failure> failures = load.failuresSince(since);
        log.info("switchover: {} failed statements: {}", failures.size(), failures);
        List<WriteLoad.Failure> betweenTransactions = failures.stream().filter(f -> !f.inFlight()).toList();
        assertEquals(List.of(), betweenTransactions, "errors seen by clients between transactions");
        assertTrue(failures.size() <= CLIENTS, "at most one in-flight statement per client may fail: " + failures);

        Instant after = Instant.now().minusMillis(500);
        assertTrue(load.commitsSince(after).stream().allMatch(c -> c.server().equals(newHost)),
                "writes after the switchover go to " + candidate);
        load.close();
        Set<Long> onNewLeader = ids(candidate);
        Set<Long> missing = load.commits().stream().map(WriteLoad.Commit::id)
                .filter(id -> !onNewLeader.contains(id)).collect(Collectors.toSet());
        assertEquals(Set.of(), missing, "committed rows missing on the new leader " + candidate);
        assertEquals(List.of(), storedTwice(candidate), "writes stored twice (sent again after they ran)");
    }

    @Test
    @Order(3)
    void writesResumeOnTheNewLeaderAfterTheLeaderIsKilled() {
        killedAt = Instant.now();
        killed = cluster.killLeader();
        String killedHost = PatroniCluster.host(killed);
        String newLeader = cluster.awaitLeader(l -> !l.equals(killed), GENEROUS);
        String newHost = PatroniCluster.host(newLeader);
        awaitTrue("writes resume on " + newLeader, () -> load.commitsSince(killedAt).stream()
                .anyMatch(c -> c.server().equals(newHost)), GENEROUS);
        log.info("leader {} killed: first write on {} after {} ms", killed, newLeader,
                Duration.between(killedAt, load.commitsSince(killedAt).stream().filter(c -> c.server().equals(newHost))
                        .map(WriteLoad.Commit::at).min(Instant::compareTo).orElseThrow()).toMillis());
        WriteLoad.sleep(1000);
        List<WriteLoad.Failure> failures = load.failuresSince(killedAt);
        assertEquals(List.of(), failures.stream().filter(f -> !f.inFlight()).toList(),
                "errors other than statements in flight on the killed leader");
        assertTrue(failures.size() <= CLIENTS, "at most one in-flight statement per client may fail: " + failures);
        assertTrue(load.commitsSince(killedAt).stream().noneMatch(c -> c.server().equals(killedHost)
                        && c.at().isAfter(killedAt.plusSeconds(1))),
                "no write committed on the killed leader after it died");
        try {
            assertEquals(List.of(), storedTwice(newLeader), "writes stored twice (sent again after they ran)");
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(4)
    void theFormerLeaderBackAsAReplicaNeverGetsAWrite() throws SQLException {
        String leader = cluster.awaitLeader(GENEROUS);
        assertNotEquals(killed, leader);
        Instant since = Instant.now();
        cluster.start(killed);
        awaitTrue(killed + " runs as a replica", () -> cluster.api(killed, "/patroni")
                .map(p -> p.path("role").asText().equals("replica") && p.path("state").asText().equals("running"))
                .orElse(false), Duration.ofSeconds(90));
        WriteLoad.sleep(3000);
        assertEquals(leader, cluster.awaitLeader(GENEROUS), "the leader did not change");
        assertEquals(List.of(), load.failuresSince(since));
        String formerHost = PatroniCluster.host(killed);
        assertTrue(load.commitsSince(since).size() > 100, "writes kept flowing");
        assertTrue(load.commitsSince(since).stream().noneMatch(c -> c.server().equals(formerHost)),
                "a write went to the former leader " + killed);
        load.close();
        // Nothing written on the former leader since it died: rows it has from itself predate the kill.
        try (Connection c = direct(killed, DATABASE, APP_USER, APP_PASSWORD); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM writes WHERE server = '" + formerHost
                     + "' AND at > '" + killedAt.plusSeconds(1) + "'")) {
            rs.next();
            assertEquals(0, rs.getLong(1), "rows written on " + killed + " after it was killed");
        }
        // The read tests after this one need both replicas streaming. A leader killed right after a
        // switchover may have written on a timeline the new leader never had; when Patroni could
        // not rewind it, it runs as a replica that receives nothing: rebuild it.
        try {
            awaitTrue("both replicas stream from " + leader, () -> cluster.streamingReplicas(leader) == 2,
                    Duration.ofSeconds(30));
        } catch (AssertionError notStreaming) {
            cluster.reinit(killed);
            awaitTrue("both replicas stream from " + leader + " after the reinit",
                    () -> cluster.streamingReplicas(leader) == 2, GENEROUS);
        }
    }

    @Test
    @Order(5)
    void readsFromADefaultRoleReplicaPoolSpreadOverTheHealthyReplicasOnly() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        for (String node : otherThan(leader)) {
            awaitTrue(node + " is a running replica", () -> cluster.api(node, "/patroni")
                    .map(p -> p.path("role").asText().equals("replica") && p.path("state").asText().equals("running"))
                    .orElse(false), Duration.ofSeconds(90));
            awaitReadsMember(node + " is a healthy replica to pgrudder", node, m -> m.healthyReplica(MAX_REPLICA_LAG));
        }
        Map<String, Integer> servers = readThroughPooler();
        assertFalse(servers.containsKey(PatroniCluster.host(leader)), "a read went to the leader: " + servers);
        assertEquals(hosts(otherThan(leader)), servers.keySet(), "reads spread over both replicas: " + servers);
    }

    @Test
    @Order(5)
    void writesAndLockingReadsThroughTheReadsPoolGoToTheLeader() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", APP_USER);
        p.setProperty("password", APP_PASSWORD);
        p.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/reads", p);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS routed (id serial PRIMARY KEY, host text)");
            for (int i = 0; i < 5; i++) {
                // Each would fail on a replica (read-only): it went to the leader.
                st.execute("INSERT INTO routed (host) VALUES (host(inet_server_addr()))");
                try (ResultSet rs = st.executeQuery("SELECT host(inet_server_addr()) FROM routed LIMIT 1 FOR UPDATE")) {
                    assertTrue(rs.next());
                    assertEquals(PatroniCluster.host(leader), rs.getString(1), "a locking read on the leader");
                }
                try (ResultSet rs = st.executeQuery("SELECT host(inet_server_addr()), pg_is_in_recovery()")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getBoolean(2), "a plain read on a replica, not " + rs.getString(1));
                }
            }
            c.setAutoCommit(false); // BEGIN: the transaction runs on the leader, which has every row
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM routed WHERE host <> '" + PatroniCluster.host(leader) + "'")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getLong(1), "every row was written by the leader");
            }
            c.commit();
            c.setAutoCommit(true);
            st.execute("DROP TABLE routed");
        }
    }

    @Test
    @Order(6)
    void aReplicaTaggedNoloadbalanceGetsNoReadsUntilTheTagIsRemoved() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        String tagged = otherThan(leader).get(0);
        String other = otherThan(leader).get(1);
        cluster.setTags(tagged, Map.of("noloadbalance", true));
        try {
            awaitReadsMember("pgrudder sees " + tagged + " tagged noloadbalance", tagged,
                    m -> m.tags().contains("noloadbalance"));
            Map<String, Integer> servers = readThroughPooler();
            assertEquals(Set.of(PatroniCluster.host(other)), servers.keySet(),
                    "every read goes to " + other + ", none to " + tagged + " (noloadbalance): " + servers);
        } finally {
            cluster.setTags(tagged, Map.of());
        }
        awaitReadsMember("pgrudder sees " + tagged + " without tags", tagged, m -> m.healthyReplica(MAX_REPLICA_LAG));
        Map<String, Integer> servers = readThroughPooler();
        assertEquals(hosts(List.of(tagged, other)), servers.keySet(),
                "with the tag removed reads spread over both replicas again: " + servers);
    }

    @Test
    @Order(7)
    void aReplicaLaggingMoreThanMaxReplicaLagGetsNoReadsUntilItCatchesUp() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        String lagging = otherThan(leader).get(1);
        String other = otherThan(leader).get(0);
        // The hold makes the replication role NOLOGIN: a replica that is still reconnecting (the
        // former leader of the earlier tests, rewound) would be held back too. Start once both stream.
        awaitTrue("both replicas stream from " + leader, () -> cluster.streamingReplicas(leader) == 2, GENEROUS);
        try (PatroniCluster.ReplicationHold hold = cluster.holdReplication(lagging)) {
            // About 20 MB of WAL on the leader that the held replica cannot receive.
            try (Connection c = direct(leader, DATABASE, APP_USER, APP_PASSWORD); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE ballast AS SELECT g AS id, md5(g::text) AS filler"
                        + " FROM generate_series(1, 200000) g");
            }
            awaitTrue(lagging + " lags more than max_replica_lag in Patroni's /cluster",
                    () -> patroniLag(leader, lagging) > MAX_REPLICA_LAG, GENEROUS);
            awaitReadsMember("pgrudder sees " + lagging + " lag more than " + MAX_REPLICA_LAG + " bytes", lagging,
                    m -> m.lag().isPresent() && m.lag().get() > MAX_REPLICA_LAG);
            // The burst can make the streaming replica look behind for a poll or two as well (the
            // leader's and its positions reach the DCS at different moments); with no healthy
            // replica at all reads would go to the leader.
            awaitReadsMember("pgrudder sees " + other + " healthy", other, m -> m.healthyReplica(MAX_REPLICA_LAG));
            Map<String, Integer> servers = readThroughPooler();
            assertEquals(Set.of(PatroniCluster.host(other)), servers.keySet(),
                    "every read goes to " + other + ", none to the lagging " + lagging + ": " + servers);
            assertTrue(patroniLag(leader, lagging) > MAX_REPLICA_LAG, lagging + " still lagged during the reads");
        } finally {
            try (Connection c = direct(leader, DATABASE, APP_USER, APP_PASSWORD); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS ballast");
            }
        }
        awaitReadsMember("pgrudder sees " + lagging + " caught up", lagging, m -> m.healthyReplica(MAX_REPLICA_LAG));
        Map<String, Integer> servers = readThroughPooler();
        assertEquals(hosts(List.of(lagging, other)), servers.keySet(),
                "once caught up reads spread over both replicas again: " + servers);
    }

    @Test
    @Order(8)
    void showTopologyNamesEveryMemberAndTheLeader() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        WriteLoad.sleep(1000);
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", "admin-secret");
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        List<String> leaders = new java.util.ArrayList<>();
        Set<String> members = new HashSet<>();
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgcat", p);
             Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW TOPOLOGY")) {
            while (rs.next()) {
                members.add(rs.getString("pool") + "/" + rs.getString("member"));
                assertEquals(leader, rs.getString("leader"));
                if (rs.getString("is_leader").equals("t")) {
                    leaders.add(rs.getString("member"));
                    assertEquals("leader", rs.getString("role"));
                }
                assertTrue(rs.getString("last_poll").startsWith("OK"), rs.getString("last_poll"));
            }
        }
        assertEquals(6, members.size(), "three members for each of the two Patroni pools: " + members);
        assertEquals(List.of(leader, leader), leaders);

        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String body = metrics.body();
        assertTrue(body.contains("pgrudder_patroni_has_leader{pool=\"" + DATABASE + "\"} 1"), body);
        java.util.regex.Matcher changes = java.util.regex.Pattern
                .compile("pgrudder_patroni_leader_changes\\{pool=\"" + DATABASE + "\"\\} ([0-9.]+)").matcher(body);
        assertTrue(changes.find(), body);
        assertTrue(Double.parseDouble(changes.group(1)) >= 2, "a switchover and a failover were counted: " + changes.group(1));
        assertTrue(body.contains("pgrudder_patroni_no_leader_seconds{pool=\"" + DATABASE + "\"}"), body);
    }

    @Test
    @Order(9)
    void aPatroniApiCertificateFromAnotherCaIsNotTrusted() throws Exception {
        String leader = cluster.awaitLeader(GENEROUS);
        Path wrongCa = cluster.certificates().orElseThrow().untrustedCa();
        int otherPort = freePort();
        String servers = serversToml(leader);
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                prometheus_exporter_port = %d
                use_patroni_api = true
                patroni_api_port = %d
                patroni_api_protocol = "https"
                patroni_api_ca = "%s"
                patroni_poll_interval = 250
                leader_wait_timeout = 3000

                [pools.%s]
                pool_mode = "transaction"

                [pools.%s.users.0]
                username = "%s"
                password = "%s"
                pool_size = 2

                [pools.%s.shards.0]
                database = "%s"
                servers = [%s]
                """.formatted(otherPort, io.pgrudder.server.ops.OpsHarness.freeHttpPort(), PatroniCluster.API_PORT,
                wrongCa, DATABASE, DATABASE, APP_USER, APP_PASSWORD, DATABASE, DATABASE, servers);
        ch.qos.logback.classic.Logger pollerLog = (ch.qos.logback.classic.Logger) LoggerFactory
                .getLogger(io.pgrudder.patroni.PatroniPoller.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        pollerLog.addAppender(logged);
        try (PgrudderServer distrusting = PgrudderServer.start(
                ConfigLoader.parse(toml, Path.of("patroni-wrong-ca.toml"), Map.of()))) {
            awaitTrue("every member's poll fails", () -> topology(otherPort).size() == 3
                    && topology(otherPort).stream().noneMatch(m -> m.lastPoll().startsWith("OK")), GENEROUS);
            for (TopologyRow m : topology(otherPort)) {
                assertTrue(m.lastPoll().contains("certificat") || m.lastPoll().contains("PKIX"),
                        "the poll of " + m.member() + " names the certificate problem: " + m.lastPoll());
                assertEquals("", m.leader(), "no leader through an untrusted API: " + m);
            }
            java.util.Properties p = new java.util.Properties();
            p.setProperty("user", APP_USER);
            p.setProperty("password", APP_PASSWORD);
            p.setProperty("sslmode", "disable");
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + otherPort + "/" + DATABASE, p);
                 Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1").close();
                throw new AssertionError("a query ran although no leader can be known");
            } catch (SQLException e) {
                assertEquals("57P03", e.getSQLState(), "no leader within leader_wait_timeout: " + e);
            }
        } finally {
            pollerLog.detachAppender(logged);
            logged.stop();
        }
        List<String> lines = logged.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filter(l -> l.contains("cluster " + PatroniCluster.SCOPE) || l.contains("cluster " + DATABASE))
                .toList();
        for (String node : PatroniCluster.nodes()) {
            String host = PatroniCluster.host(node);
            assertTrue(lines.stream().anyMatch(l -> l.contains(host) && (l.contains("certificat") || l.contains("PKIX"))),
                    "a log line says why " + host + "'s API is not trusted: " + lines);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("leader (none) -> (none)")), "no leader logged: " + lines);
        assertEquals(leader, cluster.awaitLeader(GENEROUS), "the cluster itself did not change");
    }

    // ---------------------------------------------------------------- helpers

    /** One row of SHOW TOPOLOGY. */
    record TopologyRow(String pool, String member, String role, String state, java.util.Optional<Long> lag,
            Set<String> tags, String lastPoll, String leader) {
        boolean healthyReplica(long maxLag) {
            return List.of("replica", "sync_standby").contains(role) && List.of("running", "streaming").contains(state)
                    && !tags.contains("noloadbalance") && lag.isPresent() && lag.get() <= maxLag;
        }
    }

    private static List<TopologyRow> topology(int poolerPort) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "admin");
        p.setProperty("password", "admin-secret");
        p.setProperty("sslmode", "disable");
        p.setProperty("preferQueryMode", "simple");
        List<TopologyRow> rows = new java.util.ArrayList<>();
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + poolerPort + "/pgcat", p);
             Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW TOPOLOGY")) {
            while (rs.next()) {
                String lag = rs.getString("lag_bytes");
                String tags = rs.getString("tags");
                rows.add(new TopologyRow(rs.getString("pool"), rs.getString("member"), rs.getString("role"),
                        rs.getString("state"), lag.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Long.parseLong(lag)),
                        tags.isEmpty() ? Set.of() : Set.of(tags.split(",")), rs.getString("last_poll"),
                        rs.getString("leader")));
            }
        } catch (SQLException e) {
            throw new AssertionError("SHOW TOPOLOGY failed: " + e, e);
        }
        return rows;
    }

    /** Waits until the reads pool's view of {@code node} (SHOW TOPOLOGY) satisfies {@code condition}. */
    private static void awaitReadsMember(String what, String node, java.util.function.Predicate<TopologyRow> condition) {
        awaitTrue(what, () -> topology(port).stream()
                .anyMatch(r -> r.pool().equals("reads") && r.member().equals(node) && condition.test(r)), GENEROUS);
    }

    /** The {@code lag} of {@code member} in {@code asked}'s /cluster, -1 when unknown. */
    private static long patroniLag(String asked, String member) {
        return cluster.api(asked, "/cluster").map(c -> {
            for (com.fasterxml.jackson.databind.JsonNode m : c.path("members")) {
                if (m.path("name").asText().equals(member) && m.path("lag").isIntegralNumber()) {
                    return m.path("lag").asLong();
                }
            }
            return -1L;
        }).orElse(-1L);
    }

    /**
     * Six clients reading through the reads pool at once (ten statements each, each holding its
     * server connection 50 ms, more clients than its pool_size of 4); every read must run on a
     * server in recovery. Returns how many reads ran on each server address.
     */
    private static Map<String, Integer> readThroughPooler() throws Exception {
        Map<String, Integer> servers = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 6; t++) {
                done.add(threads.submit(() -> {
                    java.util.Properties p = new java.util.Properties();
                    p.setProperty("user", APP_USER);
                    p.setProperty("password", APP_PASSWORD);
                    p.setProperty("sslmode", "disable");
                    p.setProperty("prepareThreshold", "0");
                    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/reads", p);
                         Statement st = c.createStatement()) {
                        for (int i = 0; i < 10; i++) {
                            try (ResultSet rs = st.executeQuery(
                                    "SELECT host(inet_server_addr()), pg_is_in_recovery(), pg_sleep(0.05)")) {
                                rs.next();
                                assertTrue(rs.getBoolean(2), "a read ran on a primary: " + rs.getString(1));
                                servers.merge(rs.getString(1), 1, Integer::sum);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        log.info("reads through pgrudder by server: {}", servers);
        return servers;
    }

    private static Set<String> hosts(List<String> nodes) {
        return nodes.stream().map(PatroniCluster::host).collect(Collectors.toSet());
    }


    private static List<String> otherThan(String node) {
        return PatroniCluster.nodes().stream().filter(n -> !n.equals(node)).toList();
    }

    /** Each writer's (client, seq) is unique: a key stored more than once ran more than once. */
    private static List<String> storedTwice(String node) throws SQLException {
        List<String> keys = new java.util.ArrayList<>();
        try (Connection c = direct(node, DATABASE, APP_USER, APP_PASSWORD); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT client, seq, count(*) FROM writes GROUP BY client, seq HAVING count(*) > 1")) {
            while (rs.next()) {
                keys.add(rs.getInt(1) + "/" + rs.getLong(2) + " x" + rs.getInt(3));
            }
        }
        return keys;
    }

    private static Set<Long> ids(String node) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection c = direct(node, DATABASE, APP_USER, APP_PASSWORD); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM writes")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** pgcat's servers array for the three nodes, the leader written as the primary. */
    private static String serversToml(String leader) {
        return PatroniCluster.nodes().stream()
                .map(n -> "[\"" + PatroniCluster.host(n) + "\", " + PatroniCluster.PG_PORT + ", \""
                        + (n.equals(leader) ? "primary" : "replica") + "\"]")
                .collect(Collectors.joining(", "));
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

}
