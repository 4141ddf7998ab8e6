package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.sql.Connection;
import java.util.Base64;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client-facing TLS from pgcat's tls_certificate / tls_private_key (PEM). */
@ExtendWith(PostgresExtension.class)
class TlsIT {
    private PoolerHarness harness;

    @BeforeEach
    void start(PostgresServer postgres, @TempDir Path dir) throws Exception {
        Path[] pem = selfSignedPem(dir);
        harness = PoolerHarness.start(postgres, "", 2,
                "tls_certificate = \"" + pem[0] + "\"\ntls_private_key = \"" + pem[1] + "\"");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void sslRequestIsAnsweredWithTlsAndPlainClientsStillWork() throws Exception {
        Properties tls = new Properties();
        tls.setProperty("sslmode", "require");
        tls.setProperty("sslfactory", "org.postgresql.ssl.NonValidatingFactory");
        try (Connection c = harness.connect("testdb", "scramuser", "scrampass", tls)) {
            assertEquals("scramuser", SessionPoolingIT.scalar(c, "SELECT current_user"));
        }
        try (Connection c = harness.connect("md5user", "md5pass")) {
            assertEquals("1", SessionPoolingIT.scalar(c, "SELECT 1"));
        }
    }

    @Test
    void psqlWithSslmodeRequireConnectsOverTls() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(harness.postgres.pgBinDir().map(d -> d.resolve("psql").toString()).orElse("psql"),
                "-X", "-A", "-t", "-h", "127.0.0.1", "-p", String.valueOf(harness.port), "-U", "md5user", "-d", "testdb",
                "-c", "\\conninfo").redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", "md5pass");
        pb.environment().put("PGSSLMODE", "require");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("SSL connection (protocol: TLS"), out);
    }

    /** A self-signed RSA certificate and its PKCS#8 key as PEM files, made with the JDK's keytool. */
    static Path[] selfSignedPem(Path dir) throws Exception {
        Path store = dir.resolve("tls.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "pgrudder", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("pgrudder", "changeit".toCharArray());
        Certificate cert = ks.getCertificate("pgrudder");
        Path certFile = dir.resolve("server.crt");
        Path keyFile = dir.resolve("server.key");
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        return new Path[]{certFile, keyFile};
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
