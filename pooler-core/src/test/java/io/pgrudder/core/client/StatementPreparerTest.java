package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.client.RequestQueue.Kind;
import io.pgrudder.core.pool.StatementRegistry;
import io.pgrudder.core.pool.StatementRegistry.Statement;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.CloseComplete;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParseComplete;
import io.pgrudder.protocol.backend.ReadyForQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the pooler sends a server for its statement cache, and what it then believes the server has. */
class StatementPreparerTest {
    private final RequestQueue queue = new RequestQueue(reply -> { });
    private final StatementRegistry registry = new StatementRegistry();
    private final StatementPreparer preparer = new StatementPreparer(queue, registry, 2);
    private final ServerConnection server = TestServerConnections.embedded();
    private final Statement a = registry.statement("SELECT 'a'", new int[0]);
    private final Statement b = registry.statement("SELECT 'b'", new int[0]);
    private final Statement c = registry.statement("SELECT 'c'", new int[0]);

    @AfterEach
    void close() {
        server.channel().close();
    }

    /** The messages written to the server since the last call: "P name" for a Parse, "C name" for a Close. */
    private List<String> sent() {
        EmbeddedChannel channel = (EmbeddedChannel) server.channel();
        channel.flushOutbound();
        List<String> out = new ArrayList<>();
        ByteBuf frame;
        while ((frame = channel.readOutbound()) != null) {
            try {
                char type = (char) Frames.type(frame);
                ByteBuf body = Frames.body(frame);
                if (type == 'C') {
                    body.readByte(); // 'S'
                }
                out.add(type + " " + Frames.readCString(body));
            } finally {
                frame.release();
            }
        }
        return out;
    }

    /** Gives the queue server replies; returns for each whether it went to the client. */
    @SafeVarargs
    private List<Boolean> reply(Consumer<ByteBuf>... encoders) {
        List<Boolean> relayed = new ArrayList<>();
        for (Consumer<ByteBuf> encoder : encoders) {
            ByteBuf frame = Unpooled.buffer();
            try {
                encoder.accept(frame);
                relayed.add(queue.serverMessage(server, null, frame));
            } finally {
                frame.release();
            }
        }
        return relayed;
    }

    private static Consumer<ByteBuf> error() {
        return out -> ErrorResponse.from(PgException.error("22012", "division by zero")).encode(out);
    }

    @Test
    void aStatementTheServerLacksIsParsedAndItsReplySwallowed() {
        queue.attached(ReadyForQuery.IDLE);
        preparer.ensure(server, a);
        assertEquals(List.of("P " + a.serverName()), sent());
        assertEquals(List.of(false), reply(ParseComplete.INSTANCE::encode));
        assertTrue(preparer.has(server, a));
        assertTrue(registry.isAccepted(a));
        preparer.ensure(server, a);
        assertEquals(List.of(), sent(), "it is there");
    }

    @Test
    void theLeastRecentlyUsedIsClosedPastTheCacheSize() {
        queue.attached(ReadyForQuery.IDLE);
        preparer.ensure(server, a);
        preparer.ensure(server, b);
        preparer.ensure(server, c);
        assertEquals(List.of("P " + a.serverName(), "P " + b.serverName(), "C " + a.serverName(), "P " + c.serverName()), sent());
        assertEquals(List.of(false, false, false, false), reply(ParseComplete.INSTANCE::encode, ParseComplete.INSTANCE::encode,
                CloseComplete.INSTANCE::encode, ParseComplete.INSTANCE::encode));
        assertFalse(preparer.has(server, a));
    }

    @Test
    void anUntrustedStatementIsClosedThenParsedAgain() {
        queue.attached(ReadyForQuery.IDLE);
        preparer.ensure(server, a);
        reply(ParseComplete.INSTANCE::encode);
        sent();
        server.statements().distrust(a.serverName());
        preparer.ensure(server, a);
        assertEquals(List.of("C " + a.serverName(), "P " + a.serverName()), sent());
    }

    @Test
    void whatTheServerSkippedAfterAnErrorIsNotTrusted() {
        queue.attached(ReadyForQuery.IDLE);
        preparer.ensure(server, a);
        reply(ParseComplete.INSTANCE::encode);
        queue.expect(Kind.EXECUTE);
        preparer.ensure(server, b);
        preparer.ensure(server, c); // closes a to make room
        queue.expectSync();
        sent();
        reply(error(), out -> ReadyForQuery.IDLE_INSTANCE.encode(out)); // the Execute failed: the rest was skipped
        assertFalse(preparer.has(server, b), "its Parse was skipped");
        preparer.ensure(server, a);
        assertEquals("C " + a.serverName(), sent().get(0), "the skipped Close left a there: closed before its Parse");
    }

    @Test
    void aParseAcceptedOnlyInARolledBackTransactionIsPreparedAgainAndNotAcceptedAnyMore() {
        queue.attached(ReadyForQuery.IN_TRANSACTION);
        preparer.ensure(server, a);
        reply(ParseComplete.INSTANCE::encode);
        assertTrue(registry.isAccepted(a));
        queue.expect(Kind.QUERY);
        reply(new CommandComplete("ROLLBACK")::encode, out -> ReadyForQuery.IDLE_INSTANCE.encode(out));
        assertFalse(registry.isAccepted(a), "a Parse of its text may fail now: it needs a server again");
        assertFalse(preparer.has(server, a));
        sent();
        preparer.ensure(server, a);
        assertEquals(List.of("C " + a.serverName(), "P " + a.serverName()), sent());
    }

    @Test
    void aParseInACommittedTransactionStaysTrusted() {
        queue.attached(ReadyForQuery.IN_TRANSACTION);
        preparer.ensure(server, a);
        reply(ParseComplete.INSTANCE::encode);
        queue.expect(Kind.QUERY);
        reply(new CommandComplete("COMMIT")::encode, out -> ReadyForQuery.IDLE_INSTANCE.encode(out));
        queue.expect(Kind.QUERY);
        reply(new CommandComplete("ROLLBACK")::encode, out -> ReadyForQuery.IDLE_INSTANCE.encode(out));
        assertTrue(registry.isAccepted(a));
        assertTrue(preparer.has(server, a));
    }
}
