package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.net.Transport;
import io.pgrudder.core.pool.PoolRoutes;
import io.pgrudder.core.pool.PoolSettings;
import io.pgrudder.core.pool.ReleasePlan;
import io.pgrudder.core.pool.ServerPool;
import io.pgrudder.core.pool.StatementRegistry;
import io.pgrudder.core.routing.FixedServer;
import io.pgrudder.core.routing.RoutingRules;
import io.pgrudder.core.routing.ServerTarget;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.BackendMessages;
import io.pgrudder.protocol.backend.BindComplete;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.CopyInResponse;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.NoData;
import io.pgrudder.protocol.backend.ParseComplete;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.Describe;
import io.pgrudder.protocol.frontend.Execute;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.Sync;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client session as a state machine, on an EmbeddedChannel with frozen time: the test is the
 * pool (it hands out server connections on EmbeddedChannels and sees them come back) and the
 * server (it reads what the session sent and answers through the session's listener methods).
 */
class ClientSessionHandlerTest {
    private EventLoopGroup loops;
    private Pooler pooler;
    private TestPool pool;
    private EmbeddedChannel client;
    private ClientSessionHandler session;
    private final List<ServerConnection> servers = new ArrayList<>();

    /** The pool, played by the test. */
    private static final class TestPool implements ServerPool {
        final PoolSettings settings;
        final ArrayDeque<Promise<ServerConnection>> checkouts = new ArrayDeque<>();
        final List<ReleasePlan> released = new ArrayList<>();
        final ArrayDeque<Promise<Boolean>> probes = new ArrayDeque<>();
        final StatementRegistry statements = new StatementRegistry();

        TestPool(PoolSettings settings) {
            this.settings = settings;
        }

        @Override
        public PoolSettings settings() {
            return settings;
        }

        @Override
        public ServerTarget target() {
            return new FixedServer(settings.address());
        }

        @Override
        public StatementRegistry statements() {
            return statements;
        }

        @Override
        public void checkout(Map<String, String> startupParameters, EventLoop preferred, Promise<ServerConnection> promise) {
            checkouts.add(promise);
        }

        @Override
        public void release(ServerConnection server, ReleasePlan plan) {
            released.add(plan);
        }

        @Override
        public Future<Boolean> acceptsConnections(ServerAddress address, EventLoop on) {
            Promise<Boolean> p = on.newPromise();
            probes.add(p);
            return p;
        }

        @Override
        public Map<String, String> reportedParameters(Map<String, String> clientSettings) {
            return null; // every login takes a server
        }

        @Override
        public void reportedParameters(Map<String, String> clientSettings, Map<String, String> reported) {
        }
    }

    private void start(String poolMode, String userExtra) throws Exception {
        PoolerConfig config = ConfigLoader.parse("""
                [general]
                admin_username = "admin"
                admin_password = "admin-secret"

                [pools.testdb]
                pool_mode = "%s"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 1
                %s

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["127.0.0.1", 1, "primary"]]
                """.formatted(poolMode, userExtra), Path.of("session-test.toml"), Map.of());
        loops = Transport.newGroup(1, "session-test");
        pooler = new Pooler(config, loops, null);
        PoolConfig poolConfig = config.pools().get("testdb");
        pool = new TestPool(PoolSettings.from(config.general(), poolConfig, poolConfig.users().get("0")));
        session = new ClientSessionHandler(pooler, new PoolRoutes(pool, null, RoutingRules.PRIMARY_ONLY, 1),
                "md5user", Map.of("user", "md5user", "database", "testdb"));
        client = new EmbeddedChannel();
        client.freezeTime();
        client.pipeline().addLast(session);
        // The login takes a server: the session asks and logs in once it has one. It has sent
        // nothing more, so reading goes on (stopping and starting again is two system calls).
        assertTrue(client.config().isAutoRead(), "nothing held: read on while waiting for the login's server");
        ServerConnection login = giveServer();
        assertTrue(client.config().isAutoRead());
        List<BackendMessage> greeting = fromSession();
        assertInstanceOf(ReadyForQuery.class, greeting.get(greeting.size() - 1));
        if (poolMode.equals("transaction")) {
            assertEquals(1, pool.released.size(), "transaction mode lets the login's server go at once");
        }
        assertNotNull(login);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
        servers.forEach(s -> {
            EmbeddedChannel ch = (EmbeddedChannel) s.channel();
            ch.finishAndReleaseAll();
        });
        if (pooler != null) {
            pooler.close();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private ServerConnection giveServer() {
        Promise<ServerConnection> p = pool.checkouts.poll();
        assertNotNull(p, "the session asked for a server");
        ServerConnection server = TestServerConnections.embedded();
        servers.add(server);
        p.setSuccess(server);
        return server;
    }

    private static ByteBuf frame(Consumer<ByteBuf> encoder) {
        return Frames.encoded(ByteBufAllocator.DEFAULT, encoder);
    }

    /** The server answers: each message through the session's listener, then a read-complete. */
    @SafeVarargs
    private void answer(ServerConnection server, Consumer<ByteBuf>... messages) {
        for (Consumer<ByteBuf> m : messages) {
            session.serverFrame(server, frame(m));
        }
        session.serverReadComplete(server);
    }

    /** The types of what the session sent the server (and releases it). */
    private static List<Byte> toServer(ServerConnection server) {
        EmbeddedChannel ch = (EmbeddedChannel) server.channel();
        List<Byte> types = new ArrayList<>();
        for (ByteBuf f; (f = ch.readOutbound()) != null; ) {
            types.add(Frames.type(f));
            f.release();
        }
        return types;
    }

    private List<BackendMessage> fromSession() {
        List<BackendMessage> out = new ArrayList<>();
        for (ByteBuf f; (f = client.readOutbound()) != null; ) {
            try {
                out.add(BackendMessages.decode(f));
            } finally {
                f.release();
            }
        }
        return out;
    }

    @SafeVarargs
    private void send(Consumer<ByteBuf>... messages) {
        for (Consumer<ByteBuf> m : messages) {
            client.writeInbound(frame(m));
        }
    }

    @Test
    void pipelinedQueriesKeepTheServerUntilTheLastReply() throws Exception {
        start("transaction", "");
        client.pipeline().fireChannelRead(frame(new Query("SELECT 1")::encode));
        client.pipeline().fireChannelRead(frame(new Query("SELECT 2")::encode));
        ServerConnection server = giveServer();
        client.pipeline().fireChannelReadComplete();
        assertEquals(List.of(MessageType.QUERY, MessageType.QUERY), toServer(server));
        answer(server, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(1, pool.released.size(), "the second query is still owed: the server stays");
        answer(server, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(2, pool.released.size(), "both answered: back to the pool");
        assertEquals(4, fromSession().size());
    }

    @Test
    void aClientThatSendsMoreWhileItWaitsIsNotReadUntilItHasAServer() throws Exception {
        start("transaction", "");
        client.pipeline().fireChannelRead(frame(new Query("SELECT 1")::encode));
        assertTrue(client.config().isAutoRead(), "one request, waiting for a server: nothing more to hold yet");
        client.pipeline().fireChannelRead(frame(new Query("SELECT 2")::encode));
        assertTrue(client.config().isAutoRead(), "a little more (the rest of a request, a short pipeline): read on");
        String big = "SELECT '" + "x".repeat(ClientSessionHandler.HELD_BYTES_BEFORE_BLOCKING) + "'";
        client.pipeline().fireChannelRead(frame(new Query(big)::encode));
        assertFalse(client.config().isAutoRead(), "it holds more than the bound: the rest waits in the socket");
        ServerConnection server = giveServer();
        assertTrue(client.config().isAutoRead(), "all sent to the server: read again");
        assertEquals(List.of(MessageType.QUERY, MessageType.QUERY, MessageType.QUERY), toServer(server));
        answer(server, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode,
                new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode,
                new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(2, pool.released.size());
        assertTrue(client.config().isAutoRead());
    }

    @Test
    void anErrorInAPipelineSkipsToItsSyncAndTheNextGroupGoesOn() throws Exception {
        start("transaction", "");
        List<Consumer<ByteBuf>> group = List.of(
                new Parse("", "SELECT $1::int", new int[0])::encode,
                new Bind("", "", new short[0], List.of("x".getBytes()), new short[0])::encode,
                new Execute("", 0)::encode, Sync.INSTANCE::encode);
        group.forEach(m -> client.writeInbound(frame(m)));
        ServerConnection server = giveServer();
        group.forEach(m -> client.writeInbound(frame(m)));
        toServer(server);
        // PostgreSQL: the Bind fails, Execute is skipped, the Sync answers; then the second group likewise.
        for (int i = 0; i < 2; i++) {
            answer(server, ParseComplete.INSTANCE::encode,
                    ErrorResponse.of("ERROR", "22P02", "invalid input syntax for type integer: \"x\"")::encode,
                    ReadyForQuery.IDLE_INSTANCE::encode);
        }
        List<BackendMessage> replies = fromSession();
        assertEquals(6, replies.size(), String.valueOf(replies));
        assertEquals(2, replies.stream().filter(ReadyForQuery.class::isInstance).count());
        assertEquals(2, pool.released.size(), "released once both Syncs were answered");
    }

    @Test
    void anExtendedCopyFromStdinEndsWithOneReadyForQuery() throws Exception {
        start("transaction", "");
        send(new Parse("", "COPY t FROM STDIN", new int[0])::encode,
                new Bind("", "", new short[0], List.of(), new short[0])::encode,
                new Describe(Describe.PORTAL, "")::encode, new Execute("", 0)::encode, Sync.INSTANCE::encode);
        ServerConnection server = giveServer();
        answer(server, ParseComplete.INSTANCE::encode, BindComplete.INSTANCE::encode, NoData.INSTANCE::encode,
                new CopyInResponse((byte) 0, new short[] {0})::encode);
        send(out -> new io.pgrudder.protocol.CopyData("1\n".getBytes()).encode(out),
                out -> out.writeByte(MessageType.COPY_DONE).writeInt(4), Sync.INSTANCE::encode);
        answer(server, new CommandComplete("COPY 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(2, pool.released.size(), "the one ReadyForQuery ends the request: the server goes back");
        assertEquals(1, fromSession().stream().filter(ReadyForQuery.class::isInstance).count());
    }

    /** The fuzz's COPY case: stray CopyData, then a simple-protocol COPY FROM STDIN, all held for a server. */
    @Test
    void aSimpleCopyFromStdinHeldForAServerKeepsItUntilItEnds() throws Exception {
        start("transaction", "");
        Consumer<ByteBuf> data = out -> new io.pgrudder.protocol.CopyData("1\n".getBytes()).encode(out);
        Consumer<ByteBuf> done = out -> out.writeByte(MessageType.COPY_DONE).writeInt(4);
        client.pipeline().fireChannelRead(frame(data));
        client.pipeline().fireChannelRead(frame(data));
        client.pipeline().fireChannelRead(frame(new Query("COPY t FROM STDIN")::encode));
        client.pipeline().fireChannelRead(frame(done));
        client.pipeline().fireChannelRead(frame(new Query("SELECT 2")::encode));
        ServerConnection server = giveServer();
        client.pipeline().fireChannelReadComplete();
        toServer(server);
        // PostgreSQL ignores CopyData outside COPY; then the COPY, ended by the CopyDone; then SELECT 2.
        answer(server, new CopyInResponse((byte) 0, new short[] {0})::encode);
        assertEquals(1, pool.released.size(), "in COPY: the server stays");
        answer(server, new CommandComplete("COPY 0")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(1, pool.released.size(), "SELECT 2 still owed");
        answer(server, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(2, pool.released.size());
        assertEquals(2, fromSession().stream().filter(ReadyForQuery.class::isInstance).count());
    }

    @Test
    void aClientThatCannotTakeMoreStopsItsServerAndThenItself() throws Exception {
        start("transaction", "");
        client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 32));
        send(new Query("SELECT repeat('x', 100)")::encode);
        ServerConnection server = giveServer();
        // A reply bigger than the high water mark, not yet flushed: the client's channel is full.
        session.serverFrame(server, frame(new CommandComplete("x".repeat(100))::encode));
        assertFalse(client.isWritable());
        assertFalse(server.channel().config().isAutoRead(), "the server is not read while the client is full");
        assertFalse(client.config().isAutoRead(), "nor is the client: it does not read its replies");
        client.flush(); // the client took it
        assertTrue(client.isWritable());
        assertTrue(server.channel().config().isAutoRead());
        assertTrue(client.config().isAutoRead());
        answer(server, ReadyForQuery.IDLE_INSTANCE::encode);
        fromSession();
    }

    @Test
    void aServerThatCannotTakeMoreStopsTheClientUntilItCanOrIsGone() throws Exception {
        start("transaction", "");
        send(new Query("SELECT 1")::encode);
        ServerConnection server = giveServer();
        session.serverWritabilityChanged(server, false);
        assertFalse(client.config().isAutoRead());
        session.serverWritabilityChanged(server, true);
        assertTrue(client.config().isAutoRead());
        session.serverWritabilityChanged(server, false);
        answer(server, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertTrue(client.config().isAutoRead(), "the server went back to the pool: its being full ends with it");
        fromSession();
    }

    @Test
    void aServerLostWithoutAWordIs08007AndTheClientGoesOn() throws Exception {
        start("transaction", "");
        send(new Query("INSERT INTO t VALUES (1)")::encode);
        ServerConnection server = giveServer();
        session.serverClosed(server, null);
        List<BackendMessage> replies = fromSession();
        ErrorResponse error = assertInstanceOf(ErrorResponse.class, replies.get(0));
        assertEquals("08007", error.sqlState());
        assertEquals("ERROR", error.severityNonLocalized());
        assertInstanceOf(ReadyForQuery.class, replies.get(1));
        assertTrue(pool.checkouts.isEmpty(), "nothing is sent again");
        send(new Query("SELECT 2")::encode);
        ServerConnection next = giveServer();
        assertEquals(List.of(MessageType.QUERY), toServer(next));
    }

    @Test
    void aFatalShutdownFirstOnANodeGoingAwayIsSentToAnotherServer() throws Exception {
        start("transaction", "");
        send(new Query("INSERT INTO t VALUES (1)")::encode);
        ServerConnection dying = giveServer();
        toServer(dying);
        answer(dying, ErrorResponse.of("FATAL", "57P01", "terminating connection due to administrator command")::encode);
        session.serverClosed(dying, null);
        assertTrue(fromSession().isEmpty(), "held while the node is asked");
        pool.probes.poll().setSuccess(false); // refused: shutting down
        ServerConnection next = giveServer();
        assertEquals(List.of(MessageType.QUERY), toServer(next), "the same request, on another server");
        answer(next, new CommandComplete("INSERT 0 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        List<BackendMessage> replies = fromSession();
        assertEquals(2, replies.size(), "the client sees only the answer: " + replies);
        assertInstanceOf(CommandComplete.class, replies.get(0));
    }

    @Test
    void aFatalShutdownFirstOnANodeThatStillRunsIsTheClients() throws Exception {
        start("transaction", "");
        send(new Query("INSERT INTO t SELECT pg_sleep(3)")::encode);
        ServerConnection terminated = giveServer();
        answer(terminated, ErrorResponse.of("FATAL", "57P01", "terminating connection due to administrator command")::encode);
        session.serverClosed(terminated, null);
        pool.probes.poll().setSuccess(true); // the node takes logins: an operator's pg_terminate_backend
        List<BackendMessage> replies = fromSession();
        ErrorResponse error = assertInstanceOf(ErrorResponse.class, replies.get(0));
        assertEquals("57P01", error.sqlState());
        assertEquals("ERROR", error.severityNonLocalized(), "transaction mode: the client's connection survives");
        assertInstanceOf(ReadyForQuery.class, replies.get(1));
        assertTrue(pool.checkouts.isEmpty(), "not sent again");
    }

    @Test
    void aWarningBeforeTheCloseMeansTheRequestMayHaveRun() throws Exception {
        start("transaction", "");
        send(new Query("INSERT INTO t VALUES (1)")::encode);
        ServerConnection server = giveServer();
        answer(server, io.pgrudder.protocol.backend.NoticeResponse.of("WARNING", "01000",
                "canceling the wait for synchronous replication and terminating connection due to administrator command")::encode);
        session.serverClosed(server, null);
        List<BackendMessage> replies = fromSession();
        assertEquals("08007", assertInstanceOf(ErrorResponse.class, replies.get(1)).sqlState(), String.valueOf(replies));
        assertTrue(pool.probes.isEmpty() && pool.checkouts.isEmpty(), "neither asked nor sent again");
    }

    @Test
    void statementTimeoutClosesBothOnFrozenTime() throws Exception {
        start("transaction", "statement_timeout = 1000");
        send(new Query("SELECT pg_sleep(10)")::encode);
        giveServer();
        client.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertTrue(client.isActive(), "not yet");
        client.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        List<BackendMessage> replies = fromSession();
        assertEquals("57014", assertInstanceOf(ErrorResponse.class, replies.get(0)).sqlState());
        assertEquals(ReleasePlan.CLOSE, pool.released.get(pool.released.size() - 1), "a server left mid-request is closed");
        assertFalse(client.isActive());
    }

    @Test
    void sessionModeKeepsItsServerAndCleansItWhenItLeaves() throws Exception {
        start("session", "");
        ServerConnection held = servers.get(0);
        send(new Query("SELECT 1")::encode);
        assertNull(pool.checkouts.peek(), "session mode holds its login's server");
        assertEquals(List.of(MessageType.QUERY), toServer(held));
        answer(held, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(0, pool.released.size(), "kept between transactions");
        client.close();
        assertEquals(List.of(ReleasePlan.DISCARD_ALL), pool.released, "cleaned for the next client");
    }

    @Test
    void sessionModeLeftMidRequestClosesTheServer() throws Exception {
        start("session", "");
        send(new Query("SELECT pg_sleep(10)")::encode);
        client.close();
        assertEquals(List.of(ReleasePlan.CLOSE), pool.released, "its state is unknown");
    }

    // ---- session state: probed after a transaction that may have changed it, carried or pinned ----

    /** The texts of the Queries the session sent the server (and releases everything it sent). */
    private static List<String> queriesTo(ServerConnection server) {
        EmbeddedChannel ch = (EmbeddedChannel) server.channel();
        List<String> sql = new ArrayList<>();
        for (ByteBuf f; (f = ch.readOutbound()) != null; ) {
            try {
                if (Frames.type(f) == MessageType.QUERY) {
                    sql.add(Query.decode(Frames.body(f)).sql());
                }
            } finally {
                f.release();
            }
        }
        return sql;
    }

    private static Consumer<ByteBuf> row(String kind, String name, String value) {
        return new DataRow(java.util.Arrays.asList(kind.getBytes(), name.getBytes(),
                value == null ? null : value.getBytes()))::encode;
    }

    @Test
    void aTemporaryTablePinsTheClientUntilTheProbeFindsItGone() throws Exception {
        start("transaction", "");
        send(new Query("CREATE TEMP TABLE t (a int)")::encode);
        ServerConnection server = giveServer();
        assertEquals(List.of("CREATE TEMP TABLE t (a int)"), queriesTo(server));
        answer(server, new CommandComplete("CREATE TABLE")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        List<String> probe = queriesTo(server);
        assertEquals(1, probe.size(), "the session is probed before the server is let go");
        assertTrue(probe.get(0).contains("pg_my_temp_schema()"), probe.get(0));
        assertEquals(List.of(CommandComplete.class, ReadyForQuery.class),
                fromSession().stream().map(Object::getClass).toList(), "the client's answer went out at once");
        answer(server, row("p", "TEMP_OBJECTS", null), new CommandComplete("SELECT 1")::encode,
                ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(List.of(), fromSession(), "the probe's answer is the pooler's");
        assertEquals(1, pool.released.size(), "pinned: only the login's server went back");

        send(new Query("INSERT INTO t VALUES (1)")::encode);
        assertTrue(pool.checkouts.isEmpty(), "a pinned client's next transaction runs on the same server");
        assertEquals(List.of("INSERT INTO t VALUES (1)"), queriesTo(server));
        answer(server, new CommandComplete("INSERT 0 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(List.of(), queriesTo(server), "nothing that may change the session: no probe");
        assertEquals(1, pool.released.size());

        send(new Query("DROP TABLE t")::encode);
        queriesTo(server);
        answer(server, new CommandComplete("DROP TABLE")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(1, queriesTo(server).size(), "probed again");
        answer(server, new CommandComplete("SELECT 0")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(2, pool.released.size(), "nothing left that cannot move: unpinned");
        assertEquals(ReleasePlan.AS_IS, pool.released.get(1));
        fromSession();
    }

    @Test
    void aSettingTheProbeReportsIsAppliedBeforeTheClientsNextRequest() throws Exception {
        start("transaction", "");
        send(new Query("SET statement_timeout = 4321")::encode);
        ServerConnection first = giveServer();
        queriesTo(first);
        answer(first, new CommandComplete("SET")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(1, queriesTo(first).size());
        answer(first, row("s", "statement_timeout", "4321ms"), new CommandComplete("SELECT 1")::encode,
                ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(2, pool.released.size(), "a setting moves: the server goes back");
        fromSession();

        send(new Query("SHOW statement_timeout")::encode);
        ServerConnection second = giveServer();
        List<String> sent = queriesTo(second);
        assertEquals(1, sent.size(), "only the settings go first: " + sent);
        assertTrue(sent.get(0).contains("set_config('statement_timeout', '4321ms', false)"), sent.get(0));
        answer(second, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(List.of("SHOW statement_timeout"), queriesTo(second), "the request goes once they are confirmed");
        assertEquals(List.of(), fromSession(), "the sync's answer is the pooler's");
    }

    @Test
    void settingsARefusedSyncCouldNotApplyFailTheRequestAndNeverRunIt() throws Exception {
        start("transaction", "");
        send(new Query("SET ROLE bob")::encode);
        ServerConnection first = giveServer();
        queriesTo(first);
        answer(first, new CommandComplete("SET")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        answer(first, row("s", "role", "bob"), new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        fromSession();
        send(new Query("DELETE FROM t")::encode);
        ServerConnection second = giveServer();
        assertEquals(1, queriesTo(second).size());
        answer(second, ErrorResponse.of("ERROR", "22023", "role \"bob\" does not exist")::encode,
                ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(List.of(), queriesTo(second), "the DELETE never ran without its role");
        List<BackendMessage> replies = fromSession();
        assertEquals("22023", assertInstanceOf(ErrorResponse.class, replies.get(0)).sqlState());
        assertInstanceOf(ReadyForQuery.class, replies.get(1));
        assertTrue(client.isActive(), "the client goes on, as after a failed SET");
    }

    @Test
    void aPinnedClientWhoseServerIsLostEndsWithFatal() throws Exception {
        start("transaction", "");
        send(new Query("SELECT pg_advisory_lock(1)")::encode);
        ServerConnection server = giveServer();
        queriesTo(server);
        answer(server, new CommandComplete("SELECT 1")::encode, ReadyForQuery.IDLE_INSTANCE::encode);
        assertEquals(1, queriesTo(server).size(), "advisory in the text: probed");
        answer(server, row("p", "ADVISORY_LOCKS", null), new CommandComplete("SELECT 1")::encode,
                ReadyForQuery.IDLE_INSTANCE::encode);
        fromSession();
        session.serverClosed(server, null);
        ErrorResponse error = assertInstanceOf(ErrorResponse.class, fromSession().get(0));
        assertEquals("FATAL", error.severityNonLocalized());
        assertEquals("08006", error.sqlState());
        assertTrue(error.message().contains("session advisory locks"), error.message());
    }
}
