package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContextBuilder;

import io.pgrudder.core.topology.PollResult;
import io.pgrudder.patroni.testing.ApiCertificates;

/**
 * The HTTPS client against a JDK TLS server that ends its answers the way Patroni's REST API does
 * ({@code RestApiServer.shutdown_request}: after an HTTP/1.0 body without Content-Length it sends
 * close_notify and then waits for the client's close_notify before it closes the socket). An IT
 * because the certificates come from the {@code openssl} command.
 */
class PatroniHttpClientTlsIT {

    private static final String BODY = "{\"members\": []}";
    private static Path dir;
    private static ApiCertificates certificates;
    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("pgrudder-tls-");
        certificates = ApiCertificates.create(dir, List.of("127.0.0.1"));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void anAnswerEndedByCloseNotifyWhileTheServerWaitsForOursIsComplete() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<String> serverSaw = CompletableFuture.supplyAsync(() -> patroniLikeAnswer(server));
            PatroniHttpClient client = new PatroniHttpClient(group, NioSocketChannel.class,
                    Optional.of(SslContextBuilder.forClient().trustManager(certificates.ca().toFile()).build()),
                    Duration.ofMillis(5000));
            HttpOutcome outcome = client.get("127.0.0.1", server.getLocalPort(), "/cluster").get(10, TimeUnit.SECONDS);
            assertEquals(PollResult.OK, outcome.result());
            assertEquals(BODY, outcome.body());
            assertEquals("the client's close_notify", serverSaw.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture.runAsync(() -> patroniLikeAnswer(server));
            PatroniHttpClient client = new PatroniHttpClient(group, NioSocketChannel.class,
                    Optional.of(SslContextBuilder.forClient().trustManager(certificates.untrustedCa().toFile()).build()),
                    Duration.ofMillis(5000));
            HttpOutcome outcome = client.get("127.0.0.1", server.getLocalPort(), "/cluster").get(10, TimeUnit.SECONDS);
            assertEquals(PollResult.Kind.CLOSED, outcome.result().kind(), outcome.result().toString());
            assertTrue(outcome.result().toString().contains("certificat")
                    || outcome.result().toString().contains("PKIX"), outcome.result().toString());
        }
    }

    private static SSLContext serverContext() throws Exception {
        char[] password = "test".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.serverPkcs12("test"))) {
            keys.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return tls;
    }

    /**
     * One request answered as Patroni does; returns what ended the wait for the client. TLS is
     * layered over the accepted socket without autoClose, so that shutdownOutput() sends only
     * close_notify and no TCP FIN, as Python's SSLSocket.unwrap().
     */
    private static String patroniLikeAnswer(ServerSocket server) {
        try (Socket plain = server.accept();
             SSLSocket s = (SSLSocket) serverContext().getSocketFactory().createSocket(plain, null, plain.getPort(), false)) {
            s.setUseClientMode(false);
            s.setSoTimeout(15_000);
            InputStream in = s.getInputStream();
            StringBuilder request = new StringBuilder();
            while (!request.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return "EOF before the request";
                }
                request.append((char) b);
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.2\r\nContent-Type: application/json\r\n\r\n"
                    + BODY).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.shutdownOutput(); // close_notify only: the TCP connection stays open
            return in.read() < 0 ? "the client's close_notify" : "more data";
        } catch (java.net.SocketTimeoutException e) {
            return "no close_notify from the client";
        } catch (Exception e) {
            return "server failed: " + e;
        }
    }
}
