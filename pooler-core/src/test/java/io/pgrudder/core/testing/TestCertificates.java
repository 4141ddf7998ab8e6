package io.pgrudder.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away CA and one server certificate it signed, made with the {@code openssl} command
 * (Debian package {@code openssl}) for TLS tests: PEM files in a directory the caller owns.
 *
 * @param caCertificate the CA's certificate: what a client trusts
 * @param serverCertificate the server's certificate, valid for the names it was made for
 * @param serverKey the server's private key (unencrypted PEM)
 */
public record TestCertificates(Path caCertificate, Path serverCertificate, Path serverKey) {

    /**
     * Makes a new CA in {@code dir} and a server certificate signed by it.
     *
     * @param subjectAltNames the names the certificate is valid for, in openssl's syntax, e.g.
     *                        {@code "DNS:localhost"} or {@code "IP:127.0.0.1"}
     */
    public static TestCertificates create(Path dir, String... subjectAltNames) {
        if (subjectAltNames.length == 0) {
            throw new IllegalArgumentException("a server certificate needs at least one name");
        }
        try {
            Files.createDirectories(dir);
            Path caKey = dir.resolve("ca.key");
            Path caCert = dir.resolve("ca.crt");
            Path key = dir.resolve("server.key");
            Path csr = dir.resolve("server.csr");
            Path cert = dir.resolve("server.crt");
            Path ext = Files.writeString(dir.resolve("server.ext"), String.join("\n",
                    "basicConstraints = CA:FALSE",
                    "keyUsage = digitalSignature, keyEncipherment",
                    "extendedKeyUsage = serverAuth",
                    "subjectAltName = " + String.join(", ", subjectAltNames),
                    ""), StandardCharsets.US_ASCII);
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=pgrudder test CA " + dir.getFileName(),
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    "-keyout", caKey.toString(), "-out", caCert.toString());
            String commonName = subjectAltNames[0].substring(subjectAltNames[0].indexOf(':') + 1);
            openssl(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + commonName,
                    "-keyout", key.toString(), "-out", csr.toString());
            openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                    "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
            return new TestCertificates(caCert, cert, key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make test certificates in " + dir, e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl timed out: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("openssl failed (exit " + process.exitValue() + "; install the openssl"
                    + " package): " + String.join(" ", command) + "\n" + output);
        }
    }
}
