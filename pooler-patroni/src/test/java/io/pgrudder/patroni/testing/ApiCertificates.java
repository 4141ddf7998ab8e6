package io.pgrudder.patroni.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throw-away TLS material for an HTTPS Patroni REST API, made with the {@code openssl} command
 * at test time (nothing is checked in, nothing outlives the cluster's temp dir): a CA, one server
 * certificate it signed for every node's address (IP subject alternative names, since Patroni's
 * api_url and pgrudder both address the nodes by IP), and on request a second, unrelated CA that
 * signed nothing, to prove that a client trusting it rejects the API.
 *
 * <p>The files are made as the OS user that runs Patroni (the {@code postgres} user when this JVM
 * is root), so Patroni can read its key; the key files are 0600.
 */
public final class ApiCertificates {

    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path ca;
    private final Path certificate;
    private final Path key;
    private Path untrustedCa;

    private ApiCertificates(Path dir) {
        this.dir = dir;
        this.ca = dir.resolve("ca.pem");
        this.certificate = dir.resolve("server.pem");
        this.key = dir.resolve("server.key");
    }

    /**
     * A new CA in {@code dir} (an existing, private directory) and a server certificate signed by
     * it for {@code ipAddresses}.
     */
    public static ApiCertificates create(Path dir, List<String> ipAddresses) {
        requireOpenssl();
        PatroniCluster.handOver(dir);
        ApiCertificates c = new ApiCertificates(dir);
        c.newCa("ca", "pgrudder test Patroni API CA");
        c.openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=patroni-rest-api");
        String sans = ipAddresses.stream().map(ip -> "IP:" + ip).collect(Collectors.joining(","));
        write(dir.resolve("server.ext"), String.join("\n",
                "basicConstraints = critical, CA:FALSE",
                "keyUsage = critical, digitalSignature, keyEncipherment",
                // clientAuth too: etcd 3.4's JSON gateway dials etcd's own gRPC port with the server's
                // certificate, which --client-cert-auth then checks as a client's.
                "extendedKeyUsage = serverAuth, clientAuth",
                "subjectAltName = " + sans,
                ""));
        c.openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-set_serial", "2", "-days", "2", "-extfile", "server.ext", "-out", "server.pem");
        return c;
    }

    /** The CA that signed the API's certificate (PEM). */
    public Path ca() {
        return ca;
    }

    /** The API's certificate (PEM), valid for every node's IP address. */
    public Path certificate() {
        return certificate;
    }

    /** The API certificate's private key (PEM, unencrypted). */
    public Path key() {
        return key;
    }

    /** Another CA (PEM), made on first use, that signed nothing: a client trusting only it must refuse the API. */
    public synchronized Path untrustedCa() {
        if (untrustedCa == null) {
            newCa("other-ca", "pgrudder test CA that signed nothing");
            untrustedCa = dir.resolve("other-ca.pem");
        }
        return untrustedCa;
    }

    /**
     * A client certificate signed by {@link #ca()} (for a server that checks them, such as etcd with
     * {@code --client-cert-auth}), made on first use: {@code client.pem} and {@code client.key}
     * (PKCS#8) in this directory; returns the certificate, the key beside it. Its subject has no
     * CN: with authentication on, etcd 3.4's JSON gateway refuses a client certificate with one
     * ("CommonName of client sending a request against gateway will be ignored"), for Patroni's
     * own gateway client too.
     */
    public synchronized Path clientCertificate() {
        Path pem = dir.resolve("client.pem");
        if (!Files.exists(pem)) {
            openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", "client.key", "-out", "client.csr", "-subj", "/O=pgrudder test client");
            write(dir.resolve("client.ext"), String.join("\n",
                    "basicConstraints = critical, CA:FALSE",
                    "keyUsage = critical, digitalSignature, keyEncipherment",
                    "extendedKeyUsage = clientAuth",
                    ""));
            openssl(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-set_serial", "3", "-days", "2", "-extfile", "client.ext", "-out", "client.pem");
        }
        return pem;
    }

    /** The key of {@link #clientCertificate()}. */
    public Path clientKey() {
        clientCertificate();
        return dir.resolve("client.key");
    }

    /** The server certificate and key as a PKCS#12 key store (for a JDK TLS server in tests). */
    public Path serverPkcs12(String password) {
        Path p12 = dir.resolve("server.p12");
        if (!Files.exists(p12)) {
            openssl(dir, "pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-name", "server",
                    "-out", "server.p12", "-passout", "pass:" + password);
        }
        return p12;
    }

    /** An SSL context for Java's HTTP clients that trusts only {@link #ca()}. */
    SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(ca)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load " + ca, e);
        }
    }

    private void newCa(String name, String commonName) {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + commonName,
                "-addext", "basicConstraints = critical, CA:TRUE",
                "-addext", "keyUsage = critical, keyCertSign, cRLSign");
    }

    private void openssl(Path workDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        OsProcesses.Result result = OsProcesses.run(command, workDir, java.util.Map.of(), OPENSSL_TIMEOUT);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + result.exitCode() + "):\n"
                    + result.output());
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void requireOpenssl() {
        boolean found = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "openssl")));
        if (!found) {
            throw new IllegalStateException("openssl not found: install the Debian package openssl (.ci/run does)");
        }
    }
}
