package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;

import io.pgrudder.core.topology.PollResult;

/** Every way a Patroni API can fail to answer, from a raw socket server. */
class PatroniHttpClientTest {

    private EventLoopGroup group;
    private PatroniHttpClient client;
    private ServerSocket server;
    private Thread acceptor;

    @BeforeEach
    void setUp() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // Generous: a loaded CI machine must not turn a reset or an answer into a timeout.
        client = new PatroniHttpClient(group, NioSocketChannel.class, Optional.empty(), Duration.ofMillis(5000));
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        if (acceptor != null) {
            acceptor.join(2000);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private HttpOutcome get(Consumer<Socket> behaviour) throws Exception {
        acceptor = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int n = in.read(buf);
                if (n > 0) {
                    behaviour.accept(s);
                }
            } catch (IOException ignored) {
                // the server closing is the end of the test
            }
        });
        acceptor.start();
        return client.get("127.0.0.1", server.getLocalPort(), "/cluster").get(5, TimeUnit.SECONDS);
    }

    private static void write(Socket s, String text) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void http10AnswerWithoutContentLengthEndsAtClose() throws Exception {
        HttpOutcome o = get(s -> write(s, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"members\": []}"));
        assertEquals(PollResult.OK, o.result());
        assertEquals("{\"members\": []}", o.body());
    }

    @Test
    void closedWithoutAnAnswerIsClosed() throws Exception {
        assertEquals(PollResult.Kind.CLOSED, get(s -> { }).result().kind());
    }

    @Test
    void resetIsClosed() throws Exception {
        HttpOutcome o = get(s -> {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(PollResult.Kind.CLOSED, o.result().kind());
    }

    @Test
    void truncatedAnswerIsNotOk() throws Exception {
        HttpOutcome o = get(s -> write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"mem"));
        assertEquals(PollResult.Kind.CLOSED, o.result().kind(), o.toString());
    }

    @Test
    void garbageIsABadResponse() throws Exception {
        HttpOutcome o = get(s -> write(s, "SSH-2.0-OpenSSH_9.2\r\n\r\n"));
        assertEquals(PollResult.Kind.BAD_RESPONSE, o.result().kind(), o.toString());
    }

    @Test
    void serviceUnavailableIsABadResponse() throws Exception {
        HttpOutcome o = get(s -> write(s, "HTTP/1.0 503 Service Unavailable\r\n\r\n{}"));
        assertEquals(PollResult.badResponse("HTTP 503"), o.result());
    }

    @Test
    void silenceIsATimeout() throws Exception {
        client = new PatroniHttpClient(group, NioSocketChannel.class, Optional.empty(), Duration.ofMillis(300));
        HttpOutcome o = get(s -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertEquals(PollResult.timeout("no answer in 300 ms"), o.result());
    }

    @Test
    void nothingListeningIsRefused() throws Exception {
        int port = server.getLocalPort();
        server.close();
        HttpOutcome o = client.get("127.0.0.1", port, "/patroni").get(5, TimeUnit.SECONDS);
        assertEquals(PollResult.Kind.REFUSED, o.result().kind());
    }
}
