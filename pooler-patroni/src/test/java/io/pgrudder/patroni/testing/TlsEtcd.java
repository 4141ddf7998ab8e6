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
 * A standalone etcd (Debian's {@code etcd-server}) on 127.0.0.1 at free ports that takes only
 * TLS with a client certificate ({@code --client-cert-auth}) and has etcd's authentication on:
 * user {@link #USER} may read the keys under one prefix, {@code root} writes them. Run as the
 * {@code postgres} OS user when this JVM is root; stopped by PID and its directory removed by
 * {@link #close()}. Requests of its own go through {@code curl} with the client certificate.
 */
public final class TlsEtcd implements AutoCloseable {
    public static final String USER = "pgrudder";
    public static final String PASSWORD = "etcd-reader-pw-4d1f";
    private static final String ROOT_PASSWORD = "etcd-root-pw-93ab";
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final ApiCertificates certificates;
    private final int port;
    private Process etcd;

    private TlsEtcd(Path dir, ApiCertificates certificates, int port) {
        this.dir = dir;
        this.certificates = certificates;
        this.port = port;
    }

    /** Starts it with user {@link #USER} allowed to read everything under {@code prefix}. */
    public static TlsEtcd start(String prefix) {
        Path dir;
        try {
            dir = Files.createTempDirectory("pgrudder-tls-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PatroniCluster.handOver(dir);
        Path certs = dir.resolve("certs");
        mkdir(certs);
        ApiCertificates c = ApiCertificates.create(certs, List.of("127.0.0.1"));
        c.clientCertificate();
        int client = freePort();
        int peer = freePort();
        TlsEtcd e = new TlsEtcd(dir, c, client);
        try {
            e.launch(peer);
            e.enableAuth(prefix);
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    public int port() {
        return port;
    }

    public ApiCertificates certificates() {
        return certificates;
    }

    /** Writes {@code key} = {@code value} as root. */
    public void put(String key, String value) {
        String token = token("root", ROOT_PASSWORD);
        call("/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}", token);
    }

    private void launch(int peer) {
        Path data = dir.resolve("data");
        String clientUrl = "https://127.0.0.1:" + port;
        String peerUrl = "http://127.0.0.1:" + peer;
        Path certs = dir.resolve("certs");
        etcd = OsProcesses.startDaemon(List.of("etcd", "--name", "tls0", "--data-dir", data.toString(),
                        "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                        "--initial-cluster", "tls0=" + peerUrl, "--initial-cluster-state", "new",
                        "--cert-file", certs.resolve("server.pem").toString(),
                        "--key-file", certs.resolve("server.key").toString(),
                        "--trusted-ca-file", certs.resolve("ca.pem").toString(), "--client-cert-auth"),
                dir, dir.resolve("etcd.log"), Map.of());
        Instant deadline = Instant.now().plusSeconds(30);
        while (!curl("/health", null, null).contains("\"health\":\"true\"")) {
            if (!etcd.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("etcd with TLS did not become healthy; see " + dir.resolve("etcd.log"));
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
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "5",
                "--cacert", certs.resolve("ca.pem").toString(),
                "--cert", certs.resolve("client.pem").toString(), "--key", certs.resolve("client.key").toString()));
        if (token != null) {
            command.addAll(List.of("-H", "Authorization: " + token));
        }
        if (body != null) {
            command.addAll(List.of("-X", "POST", "-d", body));
        }
        command.add("https://127.0.0.1:" + port + path);
        OsProcesses.Result r = OsProcesses.run(command, dir, Map.of(), CURL_TIMEOUT);
        return r.ok() ? r.output().strip() : "";
    }

    @Override
    public void close() {
        if (etcd != null) {
            OsProcesses.stop(etcd.pid(), Duration.ofSeconds(10));
        }
        PatroniCluster.deleteTree(dir);
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
