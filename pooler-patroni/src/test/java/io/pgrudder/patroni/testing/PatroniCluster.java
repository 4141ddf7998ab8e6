package io.pgrudder.patroni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real three-node Patroni cluster on loopback, from the Debian packages {@code patroni} and
 * {@code etcd-server} (installed by {@code .ci/run}; this class installs nothing):
 * etcd on port 2379 of the first address of a {@link LoopbackBlock} (127.0.0.10 unless
 * {@code PGRUDDER_LOOPBACK_BLOCK} says otherwise), and node1..node3 on the next three, each with
 * PostgreSQL on port 5432 and the REST API on port 8008; every port is bound on the block's own
 * addresses only, so runs in different blocks can run side by side. Everything lives in one temp dir; every process it starts
 * it stops by PID ({@link #close()}, with a JVM shutdown hook as a safety net).
 *
 * <p>Timing is short for tests: ttl 10 s, loop_wait 1 s, retry_timeout 4 s
 * (loop_wait + 2 × retry_timeout ≤ ttl, as Patroni's docs require).
 *
 * <p>{@link #startWithHttpsApi()} serves the REST API over HTTPS with a certificate from a CA
 * made for this run ({@link ApiCertificates}); Patroni's own calls between nodes and
 * {@code patronictl} verify it against that CA ({@code ctl.cacert}).
 */
public final class PatroniCluster implements AutoCloseable {

    public static final String SCOPE = "demo";
    /** Patroni's {@code namespace}: the cluster's keys are under {@code /pgrudder-test/demo/} in etcd. */
    public static final String NAMESPACE = "/pgrudder-test/";
    /** The addresses of this JVM's cluster, from {@code PGRUDDER_LOOPBACK_BLOCK}. */
    public static final LoopbackBlock BLOCK = LoopbackBlock.fromEnvironment();
    public static final String ETCD_HOST = BLOCK.etcd();
    public static final int PG_PORT = 5432;
    public static final int API_PORT = 8008;
    public static final String SUPERUSER = "postgres";
    public static final String SUPERUSER_PASSWORD = "postgres";
    public static final String APP_USER = "app";
    public static final String APP_PASSWORD = "app";
    /** Patroni's restapi.authentication on every node: its unsafe endpoints need it. */
    public static final String API_USER = "patroni-api";
    public static final String API_PASSWORD = "api-secret-5e1";
    private static final String REPLICATION_USER = "replicator";

    private static final Logger log = LoggerFactory.getLogger(PatroniCluster.class);
    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path baseDir;
    private final Path binDir;
    private final Map<String, Process> patroni = new LinkedHashMap<>();
    private final List<Long> postmasters = new ArrayList<>();
    /** For etcd's plain-HTTP health check only; the REST API is read by {@link #api}. */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final javax.net.ssl.SSLSocketFactory sslSocketFactory;
    /** Null when the REST API is plain HTTP. */
    private final ApiCertificates certificates;
    /** Each node's Patroni tags beyond the defaults, as last set by {@link #setTags}. */
    private final Map<String, Map<String, Object>> tags = new LinkedHashMap<>();
    private Process etcd;
    private final Thread shutdownHook;
    private boolean closed;

    private PatroniCluster(Path baseDir, Path binDir, ApiCertificates certificates) {
        this.baseDir = baseDir;
        this.binDir = binDir;
        this.certificates = certificates;
        this.sslSocketFactory = certificates == null ? null : certificates.clientContext().getSocketFactory();
        this.shutdownHook = new Thread(this::closeQuietly, "patroni-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts etcd and three nodes; returns once node1 leads and both replicas stream. */
    public static PatroniCluster start() {
        return start(false);
    }

    /** As {@link #start()}, with the REST API on HTTPS (see {@link #certificates()}). */
    public static PatroniCluster startWithHttpsApi() {
        return start(true);
    }

    private static PatroniCluster start(boolean https) {
        requireTools();
        requireFreeAddresses();
        Path binDir = postgresBinDir();
        Path baseDir = createBaseDir();
        ApiCertificates certificates = null;
        if (https) {
            Path tls = baseDir.resolve("tls");
            mkdirPrivate(tls);
            try {
                certificates = ApiCertificates.create(tls, NODES.stream().map(PatroniCluster::host).toList());
            } catch (RuntimeException e) {
                deleteTree(baseDir);
                throw e;
            }
        }
        PatroniCluster cluster = new PatroniCluster(baseDir, binDir, certificates);
        try {
            cluster.startEtcd();
            cluster.startNode("node1");
            cluster.awaitLeader(Duration.ofSeconds(90));
            cluster.startNode("node2");
            cluster.startNode("node3");
            cluster.awaitHealthy(Duration.ofSeconds(120));
            log.info("Patroni cluster {} up in {}: leader {}", SCOPE, baseDir, cluster.leader().orElse("?"));
            return cluster;
        } catch (RuntimeException e) {
            log.error("Patroni cluster did not come up; logs in {}:\n{}", baseDir, cluster.logTails());
            cluster.close();
            throw e;
        }
    }

    public static String host(String node) {
        return BLOCK.node(NODES.indexOf(requireNode(node)));
    }

    public static List<String> nodes() {
        return NODES;
    }

    public Path baseDir() {
        return baseDir;
    }

    /** "https" for a cluster from {@link #startWithHttpsApi()}, else "http". */
    public String apiProtocol() {
        return certificates == null ? "http" : "https";
    }

    /** The API's certificates; empty when the API is plain HTTP. */
    public Optional<ApiCertificates> certificates() {
        return Optional.ofNullable(certificates);
    }

    /** etcd's client endpoint, {@code host:2379}. */
    public static String etcdEndpoint() {
        return ETCD_HOST + ":2379";
    }

    /** JDBC URL of one node's PostgreSQL. */
    public static String jdbcUrl(String node, String database) {
        return "jdbc:postgresql://" + host(node) + ":" + PG_PORT + "/" + database;
    }

    // ---------------------------------------------------------------- queries

    /**
     * GET {@code path} on one node's REST API; empty when it does not answer 200 with JSON.
     * HttpURLConnection rather than java.net.http: Patroni answers HTTP/1.0 without a length and
     * ends the body by closing, and over TLS java.net.http's send() can then wait forever (its
     * timeout covers only the headers); a read timeout bounds every read here.
     */
    public Optional<JsonNode> api(String node, String path) {
        java.net.HttpURLConnection c = null;
        try {
            c = (java.net.HttpURLConnection) URI.create(apiProtocol() + "://" + host(node) + ":" + API_PORT + path)
                    .toURL().openConnection();
            if (c instanceof javax.net.ssl.HttpsURLConnection https) {
                https.setSSLSocketFactory(sslSocketFactory);
            }
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            c.setUseCaches(false);
            if (c.getResponseCode() != 200) {
                return Optional.empty();
            }
            try (java.io.InputStream in = c.getInputStream()) {
                return Optional.of(JSON.readTree(in));
            }
        } catch (IOException e) {
            return Optional.empty();
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    /** The running leader according to the first node whose /cluster answers. */
    public Optional<String> leader() {
        for (String node : NODES) {
            Optional<JsonNode> cluster = api(node, "/cluster");
            if (cluster.isPresent()) {
                for (JsonNode m : cluster.get().path("members")) {
                    if ("leader".equals(m.path("role").asText()) && "running".equals(m.path("state").asText())) {
                        return Optional.of(m.path("name").asText());
                    }
                }
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    public String awaitLeader(Duration timeout) {
        return awaitLeader(l -> true, timeout);
    }

    /** Waits until the running leader satisfies {@code accept}, confirmed by its own /patroni. */
    public String awaitLeader(Predicate<String> accept, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Optional<String> leader = leader().filter(accept).filter(l -> api(l, "/patroni")
                    .map(p -> p.path("state").asText().equals("running")
                            && List.of("master", "primary").contains(p.path("role").asText()))
                    .orElse(false));
            if (leader.isPresent()) {
                return leader.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("no acceptable leader within " + timeout + "; last /cluster: "
                        + NODES.stream().map(n -> n + "=" + api(n, "/cluster").map(JsonNode::toString).orElse("-"))
                        .toList());
            }
            OsProcesses.sleep(250);
        }
    }

    /** Waits until there is a leader and every other node is a running replica with a known lag, streaming from it. */
    public void awaitHealthy(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            String leader = awaitLeader(Duration.between(Instant.now(), deadline).plusSeconds(1));
            Optional<JsonNode> cluster = api(leader, "/cluster");
            long healthyReplicas = cluster.map(c -> Stream.of(c.path("members")).flatMap(ms -> {
                List<JsonNode> list = new ArrayList<>();
                ms.forEach(list::add);
                return list.stream();
            }).filter(m -> !"leader".equals(m.path("role").asText()))
                    .filter(m -> List.of("running", "streaming").contains(m.path("state").asText()))
                    .filter(m -> m.path("lag").isIntegralNumber())
                    .count()).orElse(0L);
            // Running is not enough: a member demoted a moment ago runs before it streams again, and
            // a switchover to it then loses what it had not received (asynchronous replication).
            if (healthyReplicas == NODES.size() - 1 && streamingReplicas(leader) == NODES.size() - 1) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("replicas not streaming within " + timeout + ": "
                        + cluster.map(JsonNode::toString).orElse("-"));
            }
            OsProcesses.sleep(250);
        }
    }

    // ---------------------------------------------------------------- actions

    /** {@code patronictl switchover --leader <current> --candidate <candidate> --force}. */
    public void switchover(String candidate) {
        requireNode(candidate);
        String leader = leader().orElseThrow(() -> new IllegalStateException("no leader to switch over from"));
        OsProcesses.Result result = OsProcesses.run(List.of("patronictl", "-c", config(leader).toString(),
                        "switchover", "--leader", leader, "--candidate", candidate, "--force"),
                baseDir, env(), Duration.ofSeconds(90));
        if (!result.ok()) {
            throw new IllegalStateException("patronictl switchover failed (exit " + result.exitCode() + "):\n"
                    + result.output());
        }
        log.info("switchover {} -> {} requested", leader, candidate);
    }

    /**
     * {@code patronictl switchover --scheduled <at>}: Patroni writes the {@code failover} key with
     * {@code scheduled_at} at once and switches over when it is due.
     */
    public void scheduleSwitchover(String candidate, Instant at) {
        requireNode(candidate);
        String leader = leader().orElseThrow(() -> new IllegalStateException("no leader to switch over from"));
        OsProcesses.Result result = OsProcesses.run(List.of("patronictl", "-c", config(leader).toString(),
                        "switchover", "--leader", leader, "--candidate", candidate, "--scheduled", at.toString(),
                        "--force"),
                baseDir, env(), Duration.ofSeconds(30));
        if (!result.ok()) {
            throw new IllegalStateException("patronictl switchover --scheduled failed (exit " + result.exitCode()
                    + "):\n" + result.output());
        }
        log.info("switchover {} -> {} scheduled at {}", leader, candidate, at);
    }

    /** {@code patronictl flush <cluster> switchover}: cancels a scheduled switchover. */
    public void cancelScheduledSwitchover() {
        OsProcesses.Result result = OsProcesses.run(List.of("patronictl", "-c", config("node1").toString(),
                        "flush", SCOPE, "switchover", "--force"),
                baseDir, env(), Duration.ofSeconds(30));
        if (!result.ok()) {
            throw new IllegalStateException("patronictl flush switchover failed (exit " + result.exitCode() + "):\n"
                    + result.output());
        }
        log.info("scheduled switchover cancelled");
    }

    /**
     * Writes one of the cluster's keys in etcd ({@code name} below {@code /pgrudder-test/demo/},
     * e.g. {@code failover}) through etcd's v3 gateway, as Patroni would; returns the new revision.
     */
    public long putDcsKey(String name, String value) {
        String key = NAMESPACE + SCOPE + "/" + name;
        String body = "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}";
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create("http://" + etcdEndpoint() + "/v3/kv/put"))
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("etcd put " + key + ": HTTP " + answer.statusCode() + " " + answer.body());
            }
            log.info("etcd: {} = {}", key, value);
            return JSON.readTree(answer.body()).path("header").path("revision").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException("etcd put " + key, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code patronictl reinit}: the replica's data directory is rebuilt from the leader. For a
     * former leader that was killed right after writing on its own timeline and could not be
     * rewound, so that it streams again.
     */
    public void reinit(String replica) {
        requireNode(replica);
        OsProcesses.Result result = OsProcesses.run(List.of("patronictl", "-c", config(replica).toString(),
                        "reinit", SCOPE, replica, "--force", "--wait"),
                baseDir, env(), Duration.ofSeconds(120));
        if (!result.ok()) {
            throw new IllegalStateException("patronictl reinit " + replica + " failed (exit " + result.exitCode()
                    + "):\n" + result.output());
        }
        log.info("{} reinitialized from the leader", replica);
    }

    /** How many standbys stream from {@code leader} right now (pg_stat_replication); -1 when it cannot be asked. */
    public int streamingReplicas(String leader) {
        try {
            return superuserInt(leader, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'");
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    /** kill -9 of the current leader's Patroni and its postmaster; returns the old leader's name. */
    public String killLeader() {
        String leader = awaitLeader(Duration.ofSeconds(30));
        Optional<Long> postmaster = postmasterPid(leader);
        Process p = patroni.get(leader);
        if (p != null) {
            OsProcesses.signal(p.pid(), "KILL");
            OsProcesses.waitGone(p.pid(), Duration.ofSeconds(10));
        }
        postmaster.ifPresent(pid -> {
            OsProcesses.signal(pid, "KILL");
            OsProcesses.waitGone(pid, Duration.ofSeconds(10));
        });
        log.info("killed leader {} (patroni pid {}, postmaster pid {})", leader,
                p == null ? "-" : p.pid(), postmaster.map(String::valueOf).orElse("-"));
        return leader;
    }

    /** Freezes a node's Patroni (SIGSTOP): its API stops answering, PostgreSQL keeps running. */
    public void stopApi(String node) {
        OsProcesses.signal(patroniProcess(node).pid(), "STOP");
    }

    /** Thaws a node frozen by {@link #stopApi(String)} (SIGCONT). */
    public void startApi(String node) {
        OsProcesses.signal(patroniProcess(node).pid(), "CONT");
    }

    /**
     * Replaces {@code node}'s Patroni tags (the {@code tags:} of its YAML) with {@code newTags}
     * on top of the defaults ({@code nofailover: false}, {@code noloadbalance: false}), reloads
     * its configuration with SIGHUP, and returns once its own /patroni and the DCS view in its
     * /cluster both show them. Values must be strings or {@code true}: Patroni drops the special
     * tags ({@code noloadbalance} …) when false, so an empty map clears them.
     */
    public void setTags(String node, Map<String, Object> newTags) {
        requireNode(node);
        newTags.values().forEach(v -> {
            if (!(v instanceof String) && !Boolean.TRUE.equals(v)) {
                throw new IllegalArgumentException("tag values must be strings or true, not " + v);
            }
        });
        tags.put(node, new LinkedHashMap<>(newTags));
        writeConfig(node);
        OsProcesses.signal(patroniProcess(node).pid(), "HUP");
        JsonNode expected = JSON.valueToTree(newTags);
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            JsonNode own = api(node, "/patroni").map(p -> p.path("tags")).orElse(null);
            JsonNode inDcs = api(node, "/cluster").flatMap(c -> {
                for (JsonNode m : c.path("members")) {
                    if (node.equals(m.path("name").asText())) {
                        return Optional.of(m.path("tags"));
                    }
                }
                return Optional.empty();
            }).orElse(null);
            if (own != null && inDcs != null && sameTags(expected, own) && sameTags(expected, inDcs)) {
                log.info("{} tags now {}", node, newTags);
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(node + "'s tags are not " + newTags + " within 30 s: /patroni "
                        + own + ", /cluster " + inDcs);
            }
            OsProcesses.sleep(100);
        }
    }

    /**
     * Stops {@code replica} from receiving WAL until the returned hold is closed, so that its
     * position (what Patroni reports for a replica is the larger of its received and replayed
     * LSN) stays put while the leader moves on, and Patroni's /cluster shows a growing
     * {@code lag} for it. Deterministic: the replication role is made NOLOGIN on the leader
     * first, then this replica's walsender there is terminated; its walreceiver cannot log in
     * again (it retries every {@code wal_retrieve_retry_interval} and fails authentication) and
     * the other replica's already open stream is not affected. Pausing replay alone would not
     * do: the received position keeps growing. Returns once the leader has had no walsender for
     * {@code replica} for a second. Closing the hold gives the role LOGIN again; the replica
     * reconnects within about 5 s and catches up.
     */
    public ReplicationHold holdReplication(String replica) {
        String leader = awaitLeader(Duration.ofSeconds(30));
        if (leader.equals(requireNode(replica))) {
            throw new IllegalArgumentException(replica + " is the leader");
        }
        ReplicationHold hold = new ReplicationHold(leader, replica);
        try {
            superuserSql(leader, "ALTER ROLE " + REPLICATION_USER + " NOLOGIN");
            Instant deadline = Instant.now().plusSeconds(30);
            int quietChecks = 0;
            while (quietChecks < 2) {
                int terminated = superuserInt(leader, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication"
                        + " WHERE application_name = '" + replica + "'");
                quietChecks = terminated == 0 ? quietChecks + 1 : 0;
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException(replica + " kept streaming from " + leader);
                }
                OsProcesses.sleep(500);
            }
            log.info("{} no longer receives WAL from {}", replica, leader);
            return hold;
        } catch (RuntimeException e) {
            hold.close();
            throw e;
        }
    }

    /** Lets the replica of {@link #holdReplication} stream again. */
    public final class ReplicationHold implements AutoCloseable {
        private final String leader;
        private final String replica;
        private boolean closed;

        private ReplicationHold(String leader, String replica) {
            this.leader = leader;
            this.replica = replica;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            superuserSql(leader, "ALTER ROLE " + REPLICATION_USER + " LOGIN");
            log.info("{} may stream from {} again", replica, leader);
        }
    }

    private void superuserSql(String node, String sql) {
        try (java.sql.Connection c = superuser(node); java.sql.Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql + " on " + node + ": " + e.getMessage(), e);
        }
    }

    private int superuserInt(String node, String sql) {
        try (java.sql.Connection c = superuser(node); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql + " on " + node + ": " + e.getMessage(), e);
        }
    }

    private static java.sql.Connection superuser(String node) throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(jdbcUrl(node, "postgres") + "?sslmode=disable&connectTimeout=5",
                SUPERUSER, SUPERUSER_PASSWORD);
    }

    /** A missing tags object is no tags. */
    private static boolean sameTags(JsonNode expected, JsonNode actual) {
        return actual.isMissingNode() || actual.isNull() ? expected.isEmpty() : expected.equals(actual);
    }

    /** Stops a node's Patroni by PID (SIGTERM; Patroni stops its PostgreSQL too). */
    public void stop(String node) {
        Process p = patroni.remove(requireNode(node));
        if (p != null) {
            Optional<Long> postmaster = postmasterPid(node);
            OsProcesses.stop(p.pid(), STOP_GRACE);
            postmaster.ifPresent(pid -> stopPostmaster(pid));
        }
    }

    /** Starts a stopped node again with the same configuration and data directory. */
    public void start(String node) {
        if (patroni.containsKey(requireNode(node)) && patroni.get(node).isAlive()) {
            throw new IllegalStateException(node + " is running");
        }
        startNode(node);
    }

    /** Stops and starts one node's Patroni (and with it PostgreSQL). */
    public void restart(String node) {
        stop(node);
        start(node);
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Map.Entry<String, Process> e : patroni.entrySet()) {
            postmasterPid(e.getKey()).ifPresent(postmasters::add);
            OsProcesses.stop(e.getValue().pid(), STOP_GRACE);
        }
        for (String node : NODES) {
            postmasterPid(node).ifPresent(postmasters::add);
        }
        postmasters.stream().distinct().forEach(this::stopPostmaster);
        if (etcd != null) {
            OsProcesses.stop(etcd.pid(), STOP_GRACE);
        }
        patroni.clear();
        deleteTree(baseDir);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("closing the Patroni cluster failed", e);
        }
    }

    /** Stops a postmaster by PID, but only if that PID still runs one of our data directories. */
    private void stopPostmaster(long pid) {
        if (OsProcesses.commandLine(pid).map(c -> c.contains(baseDir.toString())).orElse(false)) {
            OsProcesses.stop(pid, STOP_GRACE);
        }
    }

    private Optional<Long> postmasterPid(String node) {
        Path pidFile = nodeDir(node).resolve("data/postmaster.pid");
        try {
            String first = Files.readAllLines(pidFile, StandardCharsets.US_ASCII).get(0).trim();
            long pid = Long.parseLong(first);
            return OsProcesses.alive(pid) ? Optional.of(pid) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private Process patroniProcess(String node) {
        Process p = patroni.get(requireNode(node));
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(node + "'s Patroni is not running");
        }
        return p;
    }

    private void startEtcd() {
        Path dir = baseDir.resolve("etcd");
        mkdirPrivate(dir);
        String client = "http://" + ETCD_HOST + ":2379";
        String peer = "http://" + ETCD_HOST + ":2380";
        etcd = OsProcesses.startDaemon(List.of("etcd", "--name", "etcd0", "--data-dir", dir.resolve("data").toString(),
                        "--listen-client-urls", client, "--advertise-client-urls", client,
                        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                        "--initial-cluster", "etcd0=" + peer, "--initial-cluster-state", "new"),
                baseDir, baseDir.resolve("etcd.log"), env());
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(client + "/health"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (!etcd.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("etcd did not become healthy");
            }
            OsProcesses.sleep(100);
        }
    }

    private void startNode(String node) {
        Path dir = nodeDir(node);
        mkdirPrivate(dir);
        Path config = writeConfig(node);
        patroni.put(node, OsProcesses.startDaemon(List.of("patroni", config.toString()), dir,
                baseDir.resolve(node + ".log"), env()));
    }

    private Path writeConfig(String node) {
        Path config = config(node);
        try {
            Files.writeString(config, nodeConfig(node, nodeDir(node)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        handOver(config);
        return config;
    }

    private Path nodeDir(String node) {
        return baseDir.resolve(node);
    }

    private Path config(String node) {
        return nodeDir(node).resolve("patroni.yml");
    }

    private Map<String, String> env() {
        return Map.of("HOME", baseDir.toString(), "LC_ALL", "C.UTF-8", "LANG", "C.UTF-8");
    }

    private String nodeConfig(String node, Path dir) {
        String host = host(node);
        Map<String, Object> nodeTags = new LinkedHashMap<>();
        nodeTags.put("nofailover", false);
        nodeTags.put("noloadbalance", false);
        nodeTags.putAll(tags.getOrDefault(node, Map.of()));
        List<String> tls = certificates == null ? List.of() : List.of(
                "  certfile: " + certificates.certificate(),
                "  keyfile: " + certificates.key(),
                "ctl:",
                "  cacert: " + certificates.ca());
        return String.join("\n",
                "scope: " + SCOPE,
                "namespace: " + NAMESPACE,
                "name: " + node,
                "log:",
                "  level: INFO",
                "restapi:",
                "  listen: " + host + ":" + API_PORT,
                "  connect_address: " + host + ":" + API_PORT,
                // As production clusters guard POST /switchover and the like (GETs stay open).
                "  authentication:",
                "    username: " + API_USER,
                "    password: " + API_PASSWORD,
                String.join("\n", tls),
                "etcd3:",
                "  hosts: " + ETCD_HOST + ":2379",
                "bootstrap:",
                "  dcs:",
                "    ttl: 10",
                "    loop_wait: 1",
                "    retry_timeout: 4",
                "    maximum_lag_on_failover: 1048576",
                "    postgresql:",
                "      use_pg_rewind: true",
                "      parameters:",
                "        wal_level: replica",
                "        hot_standby: 'on'",
                "        wal_log_hints: 'on'",
                "        max_wal_senders: 10",
                "        max_replication_slots: 10",
                "        password_encryption: scram-sha-256",
                "  initdb:",
                "    - encoding: UTF8",
                "    - locale: C",
                "    - auth-local: trust",
                "    - auth-host: scram-sha-256",
                "  users:",
                "    " + APP_USER + ":",
                "      password: " + APP_PASSWORD,
                "      options:",
                "        - login",
                "        - createdb",
                "postgresql:",
                "  listen: " + host + ":" + PG_PORT,
                "  connect_address: " + host + ":" + PG_PORT,
                "  data_dir: " + dir.resolve("data"),
                "  bin_dir: " + binDir,
                "  pgpass: " + dir.resolve("pgpass"),
                "  authentication:",
                "    superuser:",
                "      username: " + SUPERUSER,
                "      password: " + SUPERUSER_PASSWORD,
                "    replication:",
                "      username: " + REPLICATION_USER,
                "      password: replicator",
                "    rewind:",
                "      username: rewinder",
                "      password: rewinder",
                "  parameters:",
                "    unix_socket_directories: '" + dir + "'",
                "    password_encryption: scram-sha-256",
                "  pg_hba:",
                "    - local all all trust",
                "    - host replication " + REPLICATION_USER + " 127.0.0.0/8 scram-sha-256",
                "    - host all all 127.0.0.0/8 scram-sha-256",
                "tags:",
                nodeTags.entrySet().stream().map(e -> "  " + e.getKey() + ": " + yamlScalar(e.getValue()))
                        .collect(java.util.stream.Collectors.joining("\n")),
                "");
    }

    private static String yamlScalar(Object value) {
        return value instanceof String s ? "'" + s.replace("'", "''") + "'" : String.valueOf(value);
    }

    private String logTails() {
        StringBuilder s = new StringBuilder();
        for (String name : List.of("etcd", "node1", "node2", "node3")) {
            Path logFile = baseDir.resolve(name + ".log");
            try {
                List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
                s.append("--- ").append(logFile).append('\n');
                lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> s.append(l).append('\n'));
            } catch (IOException e) {
                // no log yet
            }
        }
        return s.toString();
    }

    // ---------------------------------------------------------------- set-up checks

    private static void requireTools() {
        for (String tool : List.of("patroni", "patronictl", "etcd")) {
            boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                    .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
            if (!found) {
                throw new IllegalStateException(tool + " not found: install the Debian packages patroni and "
                        + "etcd-server (.ci/run does)");
            }
        }
    }

    private static void requireFreeAddresses() {
        List<InetSocketAddress> addresses = new ArrayList<>();
        addresses.add(new InetSocketAddress(ETCD_HOST, 2379));
        addresses.add(new InetSocketAddress(ETCD_HOST, 2380));
        for (String node : NODES) {
            addresses.add(new InetSocketAddress(host(node), PG_PORT));
            addresses.add(new InetSocketAddress(host(node), API_PORT));
        }
        for (InetSocketAddress address : addresses) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(address);
            } catch (IOException e) {
                throw new IllegalStateException(address.getHostString() + ":" + address.getPort()
                        + " is busy: is a Patroni cluster from a previous run, or another checkout's, still up in"
                        + " block " + BLOCK + "? Stop it (by PID), or give this run its own block with "
                        + LoopbackBlock.VARIABLE + " (e.g. 127.0.1)", e);
            }
        }
    }

    private static Path postgresBinDir() {
        String env = System.getenv("PG_BIN");
        if (env != null && Files.isExecutable(Path.of(env, "postgres"))) {
            return Path.of(env);
        }
        Path root = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                    .filter(v -> Files.isExecutable(v.resolve("bin/postgres")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL under " + root));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL under " + root + " (install postgresql)", e);
        }
    }

    private static Path createBaseDir() {
        try {
            Path dir = Files.createTempDirectory("pgrudder-patroni-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            handOver(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirPrivate(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            handOver(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void handOver(Path path) {
        if (!OsProcesses.ROOT) {
            return;
        }
        try {
            var lookup = path.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(path, lookup.lookupPrincipalByName(OsProcesses.OS_USER));
            Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class)
                    .setGroup(lookup.lookupPrincipalByGroupName(OsProcesses.OS_USER));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + path + " to the postgres OS user", e);
        }
    }

    private static String requireNode(String node) {
        if (!NODES.contains(node)) {
            throw new IllegalArgumentException("no node " + node + " (nodes are " + NODES + ")");
        }
        return node;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.warn("cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.toString());
        }
    }

    @Override
    public String toString() {
        return "PatroniCluster[" + SCOPE + " in " + baseDir + "]";
    }

}
