package io.pgrudder.core.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.AuthenticationOk;
import io.pgrudder.protocol.backend.BackendKeyData;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ParameterStatus;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.backend.RowDescription;
import io.pgrudder.protocol.codec.FrameDecoder;
import io.pgrudder.protocol.frontend.Query;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A login for writes succeeds only against a server that says it is not a standby. */
class ServerLoginFencingTest {
    private static final ServerAddress ADDRESS = new ServerAddress("127.0.0.11", 5432, Role.PRIMARY);

    private EmbeddedChannel channel;
    private ServerConnection server;
    private Promise<ServerConnection> result;

    private void login(boolean requirePrimary) {
        channel = new EmbeddedChannel();
        server = new ServerConnection(channel, ADDRESS, Map.of());
        result = channel.eventLoop().newPromise();
        ServerLogin login = new ServerLogin(ADDRESS, "appdb", "app", "app", Map.of(), Duration.ofSeconds(5), requirePrimary);
        channel.pipeline().addLast(new FrameDecoder(1 << 20), new ServerLoginHandler(server, login, result));
        channel.pipeline().fireChannelActive();
        ByteBuf startup = channel.readOutbound();
        startup.release();
    }

    @AfterEach
    void finish() {
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ((ByteBuf) o).release();
        }
        channel.finishAndReleaseAll();
    }

    private void receive(BackendMessage... messages) {
        ByteBuf in = Unpooled.buffer();
        for (BackendMessage m : messages) {
            m.encode(in);
        }
        channel.writeInbound(in);
    }

    private void loggedIn(BackendMessage... parameters) {
        receive(AuthenticationOk.INSTANCE);
        receive(parameters);
        receive(new BackendKeyData(42, new byte[]{1, 2, 3, 4}), ReadyForQuery.IDLE_INSTANCE);
    }

    @Test
    void aPrimaryReportingHotStandbyOffIsAccepted() {
        login(true);
        loggedIn(new ParameterStatus("in_hot_standby", "off"));
        assertTrue(result.isSuccess());
        assertSame(server, result.getNow());
        assertFalse(server.reportedHotStandby());
        assertNull(channel.readOutbound(), "no recovery check when the server reports in_hot_standby");
    }

    @Test
    void aStandbyIsRefusedWith57P03AndClosed() {
        login(true);
        loggedIn(new ParameterStatus("in_hot_standby", "on"));
        assertFalse(result.isSuccess());
        PgException e = assertInstanceOf(PgException.class, result.cause());
        assertEquals(SqlState.CANNOT_CONNECT_NOW, e.sqlState());
        assertTrue(e.getMessage().contains("in_hot_standby = on"), e.getMessage());
        assertTrue(server.reportedHotStandby());
        assertFalse(channel.isOpen());
    }

    @Test
    void withoutAPrimaryCheckAStandbyIsFine() {
        login(false);
        loggedIn(new ParameterStatus("in_hot_standby", "on"));
        assertTrue(result.isSuccess());
    }

    @Test
    void anOlderServerIsAskedWhetherItIsInRecovery() {
        login(true);
        loggedIn(new ParameterStatus("server_version", "13.14"));
        assertFalse(result.isDone());
        ByteBuf query = channel.readOutbound();
        try {
            assertEquals(MessageType.QUERY, Frames.type(query));
            assertEquals(ServerLoginHandler.RECOVERY_CHECK, Query.decode(Frames.body(query)).sql());
        } finally {
            query.release();
        }
        receive(new RowDescription(List.of(RowDescription.Field.text("pg_is_in_recovery", 16, (short) 1))),
                new DataRow(List.of("f".getBytes(StandardCharsets.US_ASCII))), new CommandComplete("SELECT 1"),
                ReadyForQuery.IDLE_INSTANCE);
        assertTrue(result.isSuccess());
        assertFalse(server.reportedHotStandby());
    }

    @Test
    void anOlderStandbyIsRefused() {
        login(true);
        loggedIn(new ParameterStatus("server_version", "13.14"));
        ((ByteBuf) channel.readOutbound()).release();
        receive(new RowDescription(List.of(RowDescription.Field.text("pg_is_in_recovery", 16, (short) 1))),
                new DataRow(List.of("t".getBytes(StandardCharsets.US_ASCII))), new CommandComplete("SELECT 1"),
                ReadyForQuery.IDLE_INSTANCE);
        PgException e = assertInstanceOf(PgException.class, result.cause());
        assertEquals(SqlState.CANNOT_CONNECT_NOW, e.sqlState());
        assertTrue(server.reportedHotStandby());
    }

    @Test
    void aServerThatLaterReportsHotStandbyStaysMarked() {
        login(true);
        loggedIn(new ParameterStatus("in_hot_standby", "off"));
        server.parameter("in_hot_standby", "on");
        server.parameter("in_hot_standby", "off");
        assertTrue(server.reportedHotStandby(), "sticky: never used for writes again");
    }
}
