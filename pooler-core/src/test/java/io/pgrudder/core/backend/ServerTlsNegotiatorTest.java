package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.config.ServerTlsMode;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.codec.FrameDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SSLRequest, the server's one-byte answer, and what the login does with it. */
class ServerTlsNegotiatorTest {
    private static final ServerAddress ADDRESS = new ServerAddress("127.0.0.11", 5432, Role.PRIMARY);
    private static final String SSL_REQUEST = "0000000804d2162f";

    private EmbeddedChannel channel;
    private Promise<ServerConnection> result;
    private ServerConnection server;

    private void connect(ServerTlsMode mode) {
        ServerTls tls = ServerTls.create(mode, null);
        channel = new EmbeddedChannel();
        server = new ServerConnection(channel, ADDRESS, Map.of(), tls);
        result = channel.eventLoop().newPromise();
        ServerLogin login = new ServerLogin(ADDRESS, "appdb", "app", "app", Map.of(), Duration.ofSeconds(5), false, tls);
        channel.pipeline().addLast("tls-negotiation", new ServerTlsNegotiator(tls, ADDRESS));
        channel.pipeline().addLast("frames", new FrameDecoder(1 << 20));
        channel.pipeline().addLast("login", new ServerLoginHandler(server, login, result));
        channel.pipeline().fireChannelActive();
        assertEquals(SSL_REQUEST, hex(channel.readOutbound()), "SSLRequest first, nothing else");
        assertNull(channel.readOutbound(), "no StartupMessage before the server answered");
    }

    private void answer(String hex) {
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex)));
        channel.runPendingTasks();
    }

    @AfterEach
    void finish() {
        channel.close();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ((ByteBuf) o).release();
        }
        assertFalse(channel.finish());
    }

    @Test
    void requireRefusesAServerThatSaysN() {
        connect(ServerTlsMode.REQUIRE);
        answer("4e");
        PgException e = assertInstanceOf(PgException.class, result.cause());
        assertEquals(SqlState.CONNECTION_FAILURE, e.sqlState());
        assertTrue(e.getMessage().startsWith("server 127.0.0.11:5432 does not accept TLS"), e.getMessage());
        assertTrue(e.getMessage().contains("server_tls_sslmode \"require\" does not allow plaintext"), e.getMessage());
        assertTrue(ServerTls.isTlsFailure(e), "a TLS refusal is not retried as if the server were restarting");
        assertNull(channel.readOutbound(), "no StartupMessage in plaintext");
        assertFalse(channel.isOpen());
    }

    @Test
    void verifyFullRefusesAServerThatSaysNToo() {
        connect(ServerTlsMode.VERIFY_FULL);
        answer("4e");
        assertTrue(result.cause().getMessage().contains("server_tls_sslmode \"verify-full\""), result.cause().getMessage());
        assertNull(channel.readOutbound());
    }

    @Test
    void preferGoesOnInPlaintextAfterN() {
        connect(ServerTlsMode.PREFER);
        answer("4e");
        assertFalse(result.isDone());
        assertNull(channel.pipeline().get("tls-negotiation"));
        ByteBuf startup = channel.readOutbound();
        assertNotNull(startup, "StartupMessage after 'N'");
        assertEquals(0x00030000, startup.getInt(4), "protocol 3.0");
        startup.release();
        assertFalse(server.encrypted());
    }

    @Test
    void sStartsTheHandshakeInFrontOfTheFrameDecoder() {
        connect(ServerTlsMode.REQUIRE);
        answer("53");
        assertFalse(result.isDone());
        assertInstanceOf(SslHandler.class, channel.pipeline().get("tls"));
        assertEquals(java.util.List.of("tls", "frames", "login"), channel.pipeline().names().subList(0, 3));
        ByteBuf hello = channel.readOutbound();
        assertEquals(0x16, hello.getByte(0), "a TLS handshake record (ClientHello), not a StartupMessage");
        hello.release();
    }

    @Test
    void aTlsAlertFromTheServerIsATlsFailureNamingTheServer() {
        connect(ServerTlsMode.REQUIRE);
        answer("53");
        ((ByteBuf) channel.readOutbound()).release(); // ClientHello
        answer("15030300020228"); // alert: fatal, handshake_failure
        PgException e = assertInstanceOf(PgException.class, result.cause());
        assertEquals(SqlState.CONNECTION_FAILURE, e.sqlState());
        assertTrue(e.getMessage().startsWith("TLS handshake with server 127.0.0.11:5432 failed (server_tls_sslmode"
                + " \"require\"): "), e.getMessage());
        assertTrue(ServerTls.isTlsFailure(e), "not retried: the server will refuse again");
    }

    @Test
    void aConnectionLostMidHandshakeIsRetryableNotATlsFailure() {
        connect(ServerTlsMode.VERIFY_FULL);
        answer("53");
        channel.close();
        channel.runPendingTasks();
        PgException e = assertInstanceOf(PgException.class, result.cause());
        assertEquals(SqlState.CONNECTION_FAILURE, e.sqlState());
        assertFalse(ServerTls.isTlsFailure(e), "a server going away mid-handshake may be back in a moment: " + e.getMessage());
    }

    @Test
    void bytesAfterTheAnswerAreRefused() {
        connect(ServerTlsMode.REQUIRE);
        answer("5316030100");
        PgException e = assertInstanceOf(PgException.class, result.cause());
        assertEquals("server 127.0.0.11:5432 sent 4 unencrypted byte(s) after its answer to SSLRequest", e.getMessage());
        assertNull(channel.pipeline().get("tls"));
    }

    @Test
    void anythingButSOrNIsRefused() {
        connect(ServerTlsMode.PREFER);
        answer("45");
        assertEquals("server 127.0.0.11:5432 answered SSLRequest with an error instead of 'S' or 'N'",
                result.cause().getMessage());
    }

    private static String hex(ByteBuf buf) {
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }
}
