package io.pgrudder.core.backend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.config.ServerTlsMode;
import io.pgrudder.core.net.PemCertificates;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TLS towards PostgreSQL as one config snapshot asks for it: the {@link ServerTlsMode} and the
 * client-side {@link SslContext} that enforces it (trust anchors: {@code server_tls_ca_file}, or
 * the JVM's default trust store, i.e. the system's CAs).
 *
 * <p>Built off the event loops (start-up, reload), since it reads the CA file. Two instances are
 * equal when the mode, the CA file's path and its contents are, so a reload that changes none of
 * them keeps a pool and its connections, and one that changes the CA file's contents does not.
 */
public final class ServerTls {
    /** No SSLRequest at all. */
    public static final ServerTls DISABLED = new ServerTls(ServerTlsMode.DISABLE, null, new byte[0], null);

    private final ServerTlsMode mode;
    private final String caFile;
    private final byte[] caDigest;
    private final SslContext context;
    /** Servers already reported to have refused TLS under {@link ServerTlsMode#PREFER}: one warning each. */
    private final Set<String> warnedPlaintext = ConcurrentHashMap.newKeySet();

    private ServerTls(ServerTlsMode mode, String caFile, byte[] caDigest, SslContext context) {
        this.mode = mode;
        this.caFile = caFile;
        this.caDigest = caDigest;
        this.context = context;
    }

    public static ServerTls from(GeneralConfig general) {
        return create(general.serverTlsSslmode(), general.serverTlsCaFile());
    }

    /**
     * @param caFile PEM CA bundle used when the mode verifies certificates; null for the JVM's default trust store
     * @throws IllegalStateException when the CA file cannot be read or the JVM cannot make a TLS context
     */
    public static ServerTls create(ServerTlsMode mode, String caFile) {
        Objects.requireNonNull(mode, "mode");
        if (!mode.usesTls()) {
            return DISABLED;
        }
        String usedCaFile = mode.verifiesCertificate() ? caFile : null;
        byte[] digest = new byte[0];
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            if (!mode.verifiesCertificate()) {
                // prefer/require encrypt against eavesdroppers only, as in libpq: any certificate will do.
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (usedCaFile != null) {
                Path path = Path.of(usedCaFile);
                builder.trustManager(PemCertificates.read(path));
                digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path));
            }
            // Netty 4.2 checks the host name by default; only verify-full asks for it.
            builder.endpointIdentificationAlgorithm(mode == ServerTlsMode.VERIFY_FULL ? "HTTPS" : null);
            return new ServerTls(mode, usedCaFile, digest, builder.build());
        } catch (IOException e) {
            throw new IllegalStateException("general.server_tls_ca_file: cannot read CA certificates from "
                    + usedCaFile + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    public ServerTlsMode mode() {
        return mode;
    }

    /** The server may answer 'N' and the login continues in plaintext. */
    boolean allowsPlaintext() {
        return mode == ServerTlsMode.PREFER;
    }

    /**
     * A TLS handler for one connection to {@code address}; its host name goes into SNI and, under
     * verify-full, is what the certificate must name.
     */
    SslHandler newHandler(ByteBufAllocator alloc, ServerAddress address) {
        if (context == null) {
            throw new IllegalStateException("TLS is disabled");
        }
        return context.newHandler(alloc, address.host(), address.port());
    }

    /** True the first time a server is reported to have refused TLS; false after that. */
    boolean firstPlaintextFallback(ServerAddress address) {
        return warnedPlaintext.add(address.host() + ":" + address.port());
    }

    /** What the settings are, for error messages: {@code server_tls_sslmode "verify-full", CAs from ...}. */
    String describe() {
        String text = "server_tls_sslmode \"" + mode.configName() + "\"";
        if (mode.verifiesCertificate()) {
            text += caFile != null ? ", CAs from server_tls_ca_file " + caFile : ", CAs from the JVM's default trust store";
        }
        return text;
    }

    /**
     * Was this failure TLS itself (a refused handshake, a certificate, a refusal of TLS): a setup
     * problem that a retry will only repeat? A handshake that timed out or lost its connection is
     * not: the server may just be busy or restarting.
     */
    public static boolean isTlsFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return false;
            }
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerTls other && mode == other.mode && Objects.equals(caFile, other.caFile)
                && Arrays.equals(caDigest, other.caDigest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, caFile, Arrays.hashCode(caDigest));
    }

    @Override
    public String toString() {
        return "ServerTls[" + describe() + "]";
    }
}
