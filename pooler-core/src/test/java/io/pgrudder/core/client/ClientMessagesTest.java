package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.config.DefaultRole;
import io.pgrudder.core.pool.StatementRegistry;
import io.pgrudder.core.routing.QueryRouter;
import io.pgrudder.core.routing.RoutingRules;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.frontend.Close;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Query;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A malformed client message is answered with an error and released, on every path that decodes it. */
class ClientMessagesTest {

    private static ClientMessages messages() {
        RequestQueue queue = new RequestQueue(encoder -> { });
        QueryRouter router = new QueryRouter(new RoutingRules(DefaultRole.ANY, true, false, false, null));
        return new ClientMessages(queue, new RoutingCommands(router, queue, 1), new StatementRegistry(), 100, true, new SessionState(true, pins -> { }));
    }

    /** A well-formed message with one stray byte after its last field, the length counting it. */
    private static ByteBuf withStrayByte(Consumer<ByteBuf> encoder) {
        ByteBuf frame = Unpooled.buffer();
        encoder.accept(frame);
        frame.writeByte(0x7f);
        frame.setInt(1, frame.readableBytes() - 1);
        return frame;
    }

    private static List<ByteBuf> malformed() {
        return List.of(
                withStrayByte(new Parse("s1", "SELECT 1", new int[0])::encode),
                withStrayByte(new Parse("", "SET application_name = 'x'", new int[0])::encode),
                withStrayByte(new Close(Close.STATEMENT, "s1")::encode),
                withStrayByte(new Query("DEALLOCATE s1")::encode));
    }

    @Test
    void aMalformedMessageForNoServerIsReleased() {
        for (ByteBuf frame : malformed()) {
            ClientMessages messages = messages();
            assertThrows(PgException.class, () -> messages.answerWithoutServer(frame), frame.toString());
            assertEquals(0, frame.refCnt(), "released: " + frame);
        }
    }

    @Test
    void aMalformedMessageForAServerIsReleased() {
        ServerConnection server = TestServerConnections.embedded();
        for (ByteBuf frame : malformed()) {
            ClientMessages messages = messages();
            assertThrows(PgException.class, () -> messages.send(frame, server), frame.toString());
            assertEquals(0, frame.refCnt(), "released: " + frame);
        }
        server.channel().close();
    }

    @Test
    void aClientsNamedStatementsAreCapped() {
        java.util.List<String> replies = new java.util.ArrayList<>();
        RequestQueue recording = new RequestQueue(encoder -> {
            ByteBuf out = Unpooled.buffer();
            encoder.accept(out);
            replies.add(new String(new byte[] {out.getByte(0)}, java.nio.charset.StandardCharsets.US_ASCII)
                    + (out.getByte(0) == 'E' ? io.pgrudder.protocol.backend.ErrorResponse.decode(
                            io.pgrudder.protocol.Frames.body(out)).sqlState() : ""));
            out.release();
        });
        QueryRouter router = new QueryRouter(new RoutingRules(DefaultRole.ANY, false, false, false, null));
        ClientMessages messages = new ClientMessages(recording, new RoutingCommands(router, recording, 1),
                new StatementRegistry(), 100, true, new SessionState(true, pins -> { }));
        ServerConnection server = TestServerConnections.embedded();
        for (int i = 0; i < ClientStatements.MAX_STATEMENTS; i++) {
            ByteBuf parse = Unpooled.buffer();
            new Parse("s" + i, "SELECT " + i, new int[0]).encode(parse);
            messages.send(parse, server);
        }
        assertEquals(0, replies.stream().filter(r -> r.startsWith("E")).count());
        recording.attached((byte) 'I'); // as if the server had answered them all: the next reply goes out at once
        ByteBuf one = Unpooled.buffer();
        new Parse("one_too_many", "SELECT 'x'", new int[0]).encode(one);
        messages.send(one, server);
        assertEquals(0, one.refCnt());
        assertEquals(java.util.List.of("E54000"), replies.stream().filter(r -> r.startsWith("E")).toList());
        server.channel().close();
    }

    /** DEALLOCATE of a client's name through the extended protocol reaches the server under the statement's server-side name. */
    @Test
    void anExtendedDeallocateOfAClientsNameIsRewrittenToTheServerSideName() {
        ServerConnection server = TestServerConnections.embedded();
        io.netty.channel.embedded.EmbeddedChannel channel = (io.netty.channel.embedded.EmbeddedChannel) server.channel();
        ClientMessages messages = messages();
        ByteBuf prepare = Unpooled.buffer();
        new Parse("_pg3_1", "SELECT 1", new int[0]).encode(prepare);
        messages.send(prepare, server);
        ByteBuf deallocate = Unpooled.buffer();
        new Parse("", "DEALLOCATE \"_pg3_1\"", new int[0]).encode(deallocate);
        messages.send(deallocate, server);
        channel.flushOutbound();
        List<String> sent = new java.util.ArrayList<>();
        ByteBuf frame;
        while ((frame = channel.readOutbound()) != null) {
            Parse parse = Parse.decode(io.pgrudder.protocol.Frames.body(frame));
            sent.add(parse.name() + ": " + parse.query());
            frame.release();
        }
        assertEquals(List.of("pgrudder_1: SELECT 1", ": DEALLOCATE pgrudder_1"), sent);
        assertFalse(server.statements().usable("pgrudder_1"), "closed and prepared again on its next use");
        server.channel().close();
    }
}
