package io.pgrudder.core.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads the X.509 certificates of a PEM file (a CA bundle). */
public final class PemCertificates {
    private PemCertificates() {
    }

    /**
     * Every certificate in {@code file}, in order.
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static List<X509Certificate> read(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        } catch (NoSuchFileException e) {
            throw new IOException("no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied", e);
        } catch (CertificateException e) {
            throw new IOException("not a PEM certificate file: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("holds no certificate");
        }
        return out;
    }
}
