package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.client.RequestQueue.Kind;
import io.pgrudder.protocol.backend.ErrorResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which CommandComplete tags leave session state that must be cleaned, as the queue reads them
 * in the frame without decoding every tag.
 */
class RequestQueueTest {
    /** PostgreSQL's own tags, the ones acted on among look-alikes, and a few near misses. */
    private static final List<String> TAGS = List.of(
            "SELECT 1", "SELECT 1000", "INSERT 0 1", "UPDATE 3", "DELETE 2", "MERGE 1", "COPY 5",
            "FETCH 1", "MOVE 1", "BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE",
            "SET", "RESET", "SET CONSTRAINTS", "SHOW",
            "DISCARD ALL", "DISCARD PLANS", "DISCARD SEQUENCES", "DISCARD TEMP",
            "PREPARE", "PREPARE TRANSACTION", "COMMIT PREPARED", "ROLLBACK PREPARED", "DEALLOCATE", "DEALLOCATE ALL",
            "LISTEN", "UNLISTEN", "NOTIFY",
            "DECLARE CURSOR", "CLOSE CURSOR", "CLOSE CURSOR ALL",
            "CREATE TABLE", "CREATE TABLE AS", "CREATE INDEX", "CREATE VIEW", "CREATE ROLE", "DROP TABLE",
            "ALTER TABLE", "TRUNCATE TABLE", "LOCK TABLE", "VACUUM", "ANALYZE", "CHECKPOINT", "DO", "CALL",
            "GRANT", "REVOKE", "LOAD", "EXPLAIN", "REFRESH MATERIALIZED VIEW",
            "set", "SET ", "SE", "SETS", "RESETS", "LISTENS", "DISCARD AL", "DISCARD ALL ", "");

    private static ByteBuf commandComplete(String tag) {
        ByteBuf frame = Unpooled.buffer();
        new CommandComplete(tag).encode(frame);
        return frame;
    }

    private static boolean actedOnByTheDecodedTag(String tag) {
        return tag.equals("DISCARD ALL") || tag.equals("ROLLBACK") || SessionTags.PROBED.contains(tag);
    }

    @Test
    void exactlyTheTagsActedOnAreDecoded() {
        for (String tag : TAGS) {
            ByteBuf frame = commandComplete(tag);
            try {
                int readerIndex = frame.readerIndex();
                assertEquals(actedOnByTheDecodedTag(tag), CommandTags.mayActOn(frame), "tag '" + tag + "'");
                assertEquals(readerIndex, frame.readerIndex(), "the frame is only peeked at");
            } finally {
                frame.release();
            }
        }
    }

    @Test
    void tagsThatLookLikeOnesActedOnAskForNothing() {
        for (String tag : List.of("SET CONSTRAINTS", "SETS", "set", "RESETS", "PREPARE TRANSACTION", "NOTIFY",
                "CREATE TABLE AS", "CREATE INDEX", "SELECT 3", "INSERT 0 1")) {
            assertFalse(probeAfter(tag), "tag '" + tag + "'");
        }
    }

    @Test
    void tagsThatMayChangeTheSessionAskForAProbeNotACleanup() {
        for (String tag : List.of("SET", "RESET", "PREPARE", "DEALLOCATE", "LISTEN", "UNLISTEN", "DECLARE CURSOR",
                "CLOSE CURSOR", "CLOSE CURSOR ALL", "CREATE TABLE", "DROP TABLE", "DO", "CALL")) {
            assertTrue(probeAfter(tag), "tag '" + tag + "'");
        }
    }

    /** What SWITCHOVER's drain reads on a session-mode connection: answering until the last request's ReadyForQuery. */
    @Test
    void aServerIsAnsweringUntilTheReadyForQueryOfItsLastRequest() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = new RequestQueue(reply -> { });
        queue.attached((byte) 'I');
        queue.expect(Kind.QUERY);
        queue.expect(Kind.QUERY);
        server.answering(true); // as the session does once it sent them
        try {
            server(queue, server, readyForQuery());
            assertTrue(server.answering(), "the second one still runs");
            server(queue, server, readyForQuery());
            assertFalse(server.answering());
        } finally {
            server.channel().close();
        }
    }

    /** A DEALLOCATE ALL the server ran: the client's names are gone, and none of the pooler's is trusted there. */
    @Test
    void aDeallocateAllTheServerRanLeavesNoStatementTrusted() {
        ServerConnection server = TestServerConnections.embedded();
        server.statements().preparing("pgrudder_1");
        RequestQueue queue = new RequestQueue(reply -> { });
        boolean[] clientNamesCleared = {false};
        queue.onDiscardAll(() -> clientNamesCleared[0] = true);
        queue.attached((byte) 'I');
        queue.expect(Kind.EXECUTE);
        ByteBuf frame = commandComplete("DEALLOCATE ALL");
        try {
            assertTrue(queue.serverMessage(server, null, frame));
        } finally {
            frame.release();
            server.channel().close();
        }
        assertTrue(clientNamesCleared[0]);
        assertFalse(server.statements().usable("pgrudder_1"));
        assertTrue(server.statements().contains("pgrudder_1"), "closed before it is prepared again");
    }

    /** Malformed frames still reach the decoder, which rejects them as it always did. */
    @Test
    void aMalformedCommandCompleteIsStillAProtocolViolation() {
        byte[][] bodies = {
                "SELECT 1".getBytes(StandardCharsets.US_ASCII),           // no NUL
                "SELECT 1\0x\0".getBytes(StandardCharsets.US_ASCII),      // bytes after the tag
                "SET\0\0".getBytes(StandardCharsets.US_ASCII),
                new byte[0],
        };
        for (byte[] body : bodies) {
            ByteBuf frame = Unpooled.buffer();
            frame.writeByte(MessageType.COMMAND_COMPLETE).writeInt(4 + body.length).writeBytes(body);
            try {
                RequestQueue queue = new RequestQueue(reply -> { });
                queue.expect(RequestQueue.Kind.QUERY);
                assertTrue(CommandTags.mayActOn(frame));
                assertThrows(PgException.class, () -> queue.serverMessage(null, null, frame));
            } finally {
                frame.release();
            }
        }
        ByteBuf truncated = Unpooled.buffer();
        truncated.writeByte(MessageType.COMMAND_COMPLETE).writeInt(4 + 20).writeBytes("SELECT 1\0".getBytes(StandardCharsets.US_ASCII));
        try {
            assertTrue(CommandTags.mayActOn(truncated), "a length past the frame's end");
        } finally {
            truncated.release();
        }
    }

    private static boolean probeAfter(String tag) {
        RequestQueue queue = new RequestQueue(reply -> { });
        queue.attached((byte) 'I');
        queue.expect(RequestQueue.Kind.QUERY);
        ByteBuf frame = commandComplete(tag);
        try {
            assertTrue(queue.serverMessage(null, null, frame), "relayed to the client");
        } finally {
            frame.release();
        }
        assertEquals(EnumSet.noneOf(Cleanup.class), queue.cleanup(), "nothing cleaned on a tag's word alone");
        boolean pending = queue.probePending();
        assertEquals(pending, queue.takeProbe() != null);
        assertFalse(queue.probePending(), "taken");
        return pending;
    }


    // ---- COPY and the skip-to-Sync rule: the queue counts exactly what the server answers -------

    private static ByteBuf msg(byte type, String body) {
        ByteBuf frame = Unpooled.buffer();
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        frame.writeByte(type).writeInt(4 + b.length).writeBytes(b);
        return frame;
    }

    private static ByteBuf readyForQuery() {
        return msg(MessageType.READY_FOR_QUERY, "I");
    }

    private static ByteBuf error() {
        ByteBuf frame = Unpooled.buffer();
        ErrorResponse.from(PgException.error("22P02", "invalid input syntax for type bigint: \"\"")).encode(frame);
        return frame;
    }

    private static void server(RequestQueue queue, ServerConnection server, ByteBuf... frames) {
        for (ByteBuf f : frames) {
            try {
                assertTrue(queue.serverMessage(server, null, f), "relayed");
            } finally {
                f.release();
            }
        }
    }

    private static RequestQueue extended(Kind... kinds) {
        RequestQueue queue = new RequestQueue(reply -> { });
        queue.attached((byte) 'I');
        for (Kind k : kinds) {
            if (k == Kind.SYNC) {
                queue.extendedOpen(false);
                queue.expectSync();
            } else {
                queue.extendedOpen(true);
                queue.expect(k);
            }
        }
        return queue;
    }

    /** libpq's PQexecParams of COPY FROM STDIN: P/B/D/E/S, then (after CopyInResponse) d/c/S: one ReadyForQuery. */
    @Test
    void extendedCopyFromStdinAsLibpqSendsItIsAnsweredByOneReadyForQuery() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = extended(Kind.PARSE, Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE, Kind.SYNC);
        server(queue, server, msg(MessageType.PARSE_COMPLETE, ""), msg(MessageType.BIND_COMPLETE, ""),
                msg(MessageType.NO_DATA, ""), msg(MessageType.COPY_IN_RESPONSE, "\0\0\0"));
        queue.copyEnded();
        queue.extendedOpen(false);
        queue.expectSync();
        assertFalse(queue.isIdle());
        server(queue, server, commandComplete("COPY 1"));
        assertFalse(queue.isIdle(), "the ReadyForQuery is still owed");
        server(queue, server, readyForQuery());
        assertTrue(queue.isIdle(), "one ReadyForQuery answers it all");
        assertEquals(0, queue.outstandingRequests());
    }

    /** The same, pipelined: CopyData/CopyDone/Sync sent before the CopyInResponse came back. */
    @Test
    void pipelinedExtendedCopyFromStdinIsAnsweredByOneReadyForQuery() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = extended(Kind.PARSE, Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE, Kind.SYNC);
        queue.copyEnded();
        queue.expectSync();
        server(queue, server, msg(MessageType.PARSE_COMPLETE, ""), msg(MessageType.BIND_COMPLETE, ""),
                msg(MessageType.NO_DATA, ""), msg(MessageType.COPY_IN_RESPONSE, "\0\0\0"),
                commandComplete("COPY 1"), readyForQuery());
        assertTrue(queue.isIdle());
    }

    /** CopyFail in the extended protocol: ErrorResponse, then the ReadyForQuery for the Sync after CopyFail. */
    @Test
    void extendedCopyFailIsAnsweredByTheSyncAfterIt() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = extended(Kind.PARSE, Kind.BIND, Kind.EXECUTE, Kind.SYNC);
        server(queue, server, msg(MessageType.PARSE_COMPLETE, ""), msg(MessageType.BIND_COMPLETE, ""),
                msg(MessageType.COPY_IN_RESPONSE, "\0\0\0"));
        queue.copyEnded();
        queue.extendedOpen(false);
        queue.expectSync();
        server(queue, server, error());
        assertFalse(queue.isIdle());
        server(queue, server, readyForQuery());
        assertTrue(queue.isIdle());
    }

    /** Simple-protocol COPY FROM STDIN ended by CopyFail: ErrorResponse and ReadyForQuery answer the Query. */
    @Test
    void simpleCopyFailIsAnsweredByTheQuerysReadyForQuery() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = extended(Kind.QUERY);
        queue.extendedOpen(false);
        server(queue, server, msg(MessageType.COPY_IN_RESPONSE, "\0\0\0"));
        queue.copyEnded();
        server(queue, server, error(), readyForQuery());
        assertTrue(queue.isIdle());
    }

    /** COPY TO STDOUT, extended: CopyOutResponse, CopyData, CopyDone, CommandComplete, ReadyForQuery. */
    @Test
    void extendedCopyToStdout() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = extended(Kind.PARSE, Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE, Kind.SYNC);
        server(queue, server, msg(MessageType.PARSE_COMPLETE, ""), msg(MessageType.BIND_COMPLETE, ""),
                msg(MessageType.NO_DATA, ""), msg(MessageType.COPY_OUT_RESPONSE, "\0\0\0"),
                msg(MessageType.COPY_DATA, "1\n"), msg(MessageType.COPY_DONE, ""), commandComplete("COPY 1"));
        assertFalse(queue.isIdle());
        server(queue, server, readyForQuery());
        assertTrue(queue.isIdle());
    }

    /** A batch with one Sync whose third Bind fails: the entries after it up to the Sync get no answer. */
    @Test
    void anErrorInAPipelinedBatchSkipsEveryKindOfEntryToTheSync() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = extended(Kind.PARSE, Kind.DESCRIBE, Kind.BIND, Kind.EXECUTE, Kind.BIND, Kind.EXECUTE,
                Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE, Kind.CLOSE, Kind.BIND, Kind.EXECUTE, Kind.SYNC);
        server(queue, server, msg(MessageType.PARSE_COMPLETE, ""), msg(MessageType.PARAMETER_DESCRIPTION, "\0\0"),
                msg(MessageType.NO_DATA, ""), msg(MessageType.BIND_COMPLETE, ""), commandComplete("INSERT 0 1"),
                msg(MessageType.BIND_COMPLETE, ""), commandComplete("INSERT 0 1"), error());
        assertEquals(1, queue.outstandingRequests(), "only the Sync is still owed");
        server(queue, server, readyForQuery());
        assertTrue(queue.isIdle());
    }

    @Test
    void thePoolersOwnQueryIsNotOwedToTheClient() {
        // A ParameterSync SET and the client's extended request, sent together to a server that died.
        RequestQueue queue = new RequestQueue(encoder -> { });
        queue.internal(failure -> { });
        queue.expect(Kind.PARSE);
        queue.expectSync();
        assertEquals(2, queue.outstandingRequests());
        assertEquals(1, queue.requestsOwedToClient(), "one ReadyForQuery for the client's Sync, none for the SET");
    }

    /** SET SESSION AUTHORIZATION shows as a ParameterStatus: the session is probed, whatever the tag. */
    @Test
    void aChangedSessionAuthorizationAsksForAProbe() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = new RequestQueue(reply -> { });
        queue.attached((byte) 'I');
        queue.expect(Kind.QUERY);
        ByteBuf status = Unpooled.buffer();
        new io.pgrudder.protocol.backend.ParameterStatus("session_authorization", "bob").encode(status);
        server(queue, server, status, commandComplete("SELECT 1"), readyForQuery());
        assertTrue(queue.probePending());
    }

    /** A pinned LISTENer's notification can arrive while the pooler's own probe runs: it is still the client's. */
    @Test
    void aNotificationDuringThePoolersOwnQueryGoesToTheClient() {
        ServerConnection server = TestServerConnections.embedded();
        RequestQueue queue = new RequestQueue(reply -> { });
        queue.attached((byte) 'I');
        queue.internal(failure -> { }, row -> { });
        ByteBuf notification = Unpooled.buffer();
        new io.pgrudder.protocol.backend.NotificationResponse(42, "ch", "hello").encode(notification);
        ByteBuf notice = Unpooled.buffer();
        io.pgrudder.protocol.backend.NoticeResponse.of("NOTICE", "00000", "the probe's own").encode(notice);
        try {
            assertTrue(queue.serverMessage(server, null, notification));
            assertFalse(queue.serverMessage(server, null, notice), "a notice of the pooler's query is its own");
        } finally {
            notification.release();
            notice.release();
            server.channel().close();
        }
    }
}
