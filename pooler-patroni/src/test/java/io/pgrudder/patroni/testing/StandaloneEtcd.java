package io.pgrudder.patroni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standalone etcd (Debian's {@code etcd-server}) on 127.0.0.1 at free ports, without Patroni:
 * either plain HTTP with no authentication ({@link #plain()}), or taking only TLS with a client
 * certificate ({@code --client-cert-auth}) with etcd's authentication on ({@link #tlsWithAuth}):
 * user {@link #USER} may read the keys under one prefix, {@code root} writes them. Run as the
 * {@code postgres} OS user when this JVM is root; stopped by PID and its directory removed by
 * {@link #close()}. Requests of its own go through {@code curl} (with the client certificate).
 */
public final class StandaloneEtcd implements AutoCloseable {
    public static final String USER = "pgrudder";
    public static final String PASSWORD = "etcd-reader-pw-4d1f";
    private static final String ROOT_PASSWORD = "etcd-root-pw-93ab";
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final ApiCertificates certificates;
    private final int port;
    /** etcd's --auth-token, e.g. jwt,...; null = its default (simple tokens). */
    private String authToken;
    private Process etcd;

    private StandaloneEtcd(Path dir, ApiCertificates certificates, int port) {
        this.dir = dir;
        this.certificates = certificates;
        this.port = port;
    }

    /** Plain HTTP, no authentication. */
    public static StandaloneEtcd plain() {
        Path dir = newDir();
        StandaloneEtcd e = new StandaloneEtcd(dir, null, freePort());
        try {
            e.launch(freePort());
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    /** TLS with client certificates, and user {@link #USER} allowed to read everything under {@code prefix}. */
    public static StandaloneEtcd tlsWithAuth(String prefix) {
        return tlsWithAuth(prefix, null);
    }

    /**
     * As {@link #tlsWithAuth(String)}, with etcd's JWT tokens that expire {@code jwtTtl} after they
     * were issued, used or not (a fresh RSA key per run); null = simple tokens.
     */
    public static StandaloneEtcd tlsWithAuth(String prefix, Duration jwtTtl) {
        Path dir = newDir();
        Path certs = dir.resolve("certs");
        mkdir(certs);
        ApiCertificates c = ApiCertificates.create(certs, List.of("127.0.0.1"));
        c.clientCertificate();
        StandaloneEtcd e = new StandaloneEtcd(dir, c, freePort());
        if (jwtTtl != null) {
            run(certs, "openssl", "genrsa", "-out", "jwt.key", "2048");
            run(certs, "openssl", "rsa", "-in", "jwt.key", "-pubout", "-out", "jwt.pub");
            e.authToken = "jwt,pub-key=" + certs.resolve("jwt.pub") + ",priv-key=" + certs.resolve("jwt.key")
                    + ",sign-method=RS256,ttl=" + jwtTtl.toSeconds() + "s";
        }
        try {
            e.launch(freePort());
            e.enableAuth(prefix);
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    private static Path newDir() {
        try {
            Path dir = Files.createTempDirectory("pgrudder-etcd-");
            PatroniCluster.handOver(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The TLS material ({@link #tlsWithAuth} only). */
    public ApiCertificates certificates() {
        if (certificates == null) {
            throw new IllegalStateException("a plain etcd has no certificates");
        }
        return certificates;
    }

    /** Writes {@code key} = {@code value} (as root, with authentication); returns the new revision. */
    public long put(String key, String value) {
        // A fresh token each time: a JWT expires whether used or not.
        String token = certificates == null ? null : token("root", ROOT_PASSWORD);
        return revision(call("/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}",
                token));
    }

    /** Compacts the history up to {@code revision}: a watch from before it gets compact_revision. */
    public void compact(long revision) {
        String token = certificates == null ? null : token("root", ROOT_PASSWORD);
        call("/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}", token);
    }

    private static long revision(String answer) {
        Matcher m = Pattern.compile("\"revision\":\"?(\\d+)").matcher(answer);
        if (!m.find()) {
            throw new IllegalStateException("no revision in " + answer);
        }
        return Long.parseLong(m.group(1));
    }

    private void launch(int peer) {
        Path data = dir.resolve("data");
        String clientUrl = scheme() + "://127.0.0.1:" + port;
        String peerUrl = "http://127.0.0.1:" + peer;
        Path certs = dir.resolve("certs");
        List<String> command = new ArrayList<>(List.of("etcd", "--name", "etcd0", "--data-dir", data.toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "etcd0=" + peerUrl, "--initial-cluster-state", "new"));
        if (certificates != null) {
            command.addAll(List.of("--cert-file", certs.resolve("server.pem").toString(),
                    "--key-file", certs.resolve("server.key").toString(),
                    "--trusted-ca-file", certs.resolve("ca.pem").toString(), "--client-cert-auth"));
        }
        if (authToken != null) {
            command.addAll(List.of("--auth-token", authToken));
        }
        etcd = OsProcesses.startDaemon(command, dir, dir.resolve("etcd.log"), Map.of());
        Instant deadline = Instant.now().plusSeconds(30);
        while (!curl("/health", null, null).contains("\"health\":\"true\"")) {
            if (!etcd.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("etcd did not become healthy; see " + dir.resolve("etcd.log"));
            }
            OsProcesses.sleep(100);
        }
    }

    private void enableAuth(String prefix) {
        call("/v3/auth/role/add", "{\"name\":\"root\"}", null);
        call("/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"" + ROOT_PASSWORD + "\"}", null);
        call("/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}", null);
        call("/v3/auth/role/add", "{\"name\":\"patroni-reader\"}", null);
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        call("/v3/auth/role/grant", "{\"name\":\"patroni-reader\",\"perm\":{\"permType\":\"READ\",\"key\":\""
                + b64(prefix) + "\",\"range_end\":\"" + Base64.getEncoder().encodeToString(end) + "\"}}", null);
        call("/v3/auth/user/add", "{\"name\":\"" + USER + "\",\"password\":\"" + PASSWORD + "\"}", null);
        call("/v3/auth/user/grant", "{\"user\":\"" + USER + "\",\"role\":\"patroni-reader\"}", null);
        call("/v3/auth/enable", "{}", null);
    }

    private String token(String user, String password) {
        String answer = call("/v3/auth/authenticate", "{\"name\":\"" + user + "\",\"password\":\"" + password + "\"}",
                null);
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(answer);
        if (!m.find()) {
            throw new IllegalStateException("etcd gave no token for " + user + ": " + answer);
        }
        return m.group(1);
    }

    /** A POST that must succeed (its body has no "error"). */
    private String call(String path, String body, String token) {
        String answer = curl(path, body, token);
        if (answer.isEmpty() || answer.contains("\"error\"")) {
            throw new IllegalStateException("etcd " + path + " failed: " + answer);
        }
        return answer;
    }

    private String curl(String path, String body, String token) {
        Path certs = dir.resolve("certs");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "5"));
        if (certificates != null) {
            command.addAll(List.of("--cacert", certs.resolve("ca.pem").toString(),
                    "--cert", certs.resolve("client.pem").toString(), "--key", certs.resolve("client.key").toString()));
        }
        if (token != null) {
            command.addAll(List.of("-H", "Authorization: " + token));
        }
        if (body != null) {
            command.addAll(List.of("-X", "POST", "-d", body));
        }
        command.add(scheme() + "://127.0.0.1:" + port + path);
        OsProcesses.Result r = OsProcesses.run(command, dir, Map.of(), CURL_TIMEOUT);
        return r.ok() ? r.output().strip() : "";
    }

    private String scheme() {
        return certificates == null ? "http" : "https";
    }

    @Override
    public void close() {
        if (etcd != null) {
            OsProcesses.stop(etcd.pid(), Duration.ofSeconds(10));
        }
        PatroniCluster.deleteTree(dir);
    }

    private static void run(Path dir, String... command) {
        OsProcesses.Result r = OsProcesses.run(List.of(command), dir, Map.of(), CURL_TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + r.output());
        }
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdir(Path d) {
        try {
            Files.createDirectory(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PatroniCluster.handOver(d);
    }
}
