package io.pgrudder.server;

import io.netty.buffer.Unpooled;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.pool.PoolStats;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.codec.FuzzSize;
import io.pgrudder.protocol.codec.LeakWatch;
import io.pgrudder.protocol.codec.Mutator;
import io.pgrudder.protocol.codec.RecordedSessions;
import io.pgrudder.protocol.codec.WireFrame;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.Sync;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.pgrudder.server.SessionPoolingIT.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutated and random frames from recorded psql and pgjdbc sessions, over real TCP, into a real
 * pgrudder in front of a real PostgreSQL: before authentication, and after a successful md5
 * login in transaction and in session mode. Each connection reads what comes back until the
 * pooler answers a probe query or closes; a read timeout is a hang. Afterwards a normal JDBC
 * client is served on every server of the pool at once, no client waits, nothing reached the end
 * of a Netty pipeline (no WARN or ERROR from io.netty) and no ByteBuf leaked (paranoid detector).
 * Sized by {@link FuzzSize} ({@code -Dpgrudder.fuzz.long=true} for the long run).
 */
@ExtendWith(PostgresExtension.class)
class ProtocolFuzzIT {
    private static final int POOL_SIZE = 4;
    private static final int READ_TIMEOUT_MILLIS = 15_000;
    /** Ends whatever the fuzz left open (extended-protocol error, failed transaction), then asks. */
    private static final byte[] PROBE = WireFrame.concat(List.of(WireFrame.of(Sync.INSTANCE),
            WireFrame.of(new Query("ROLLBACK")), WireFrame.of(new Query("SELECT 'fuzz-probe'"))));
    private static final WireFrame SSL_REQUEST = WireFrame.of(SSLRequest.INSTANCE);
    private static final WireFrame GSSENC_REQUEST = WireFrame.of(GSSENCRequest.INSTANCE);

    private final List<WireFrame> donors = RecordedSessions.all().stream().flatMap(s -> s.frames().stream()).toList();
    private final Set<WireFrame> intact = Set.copyOf(donors);
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private LogWatch logs;
    private LeakWatch leaks;
    private PoolerHarness harness;

    @FunctionalInterface
    private interface OneConnection {
        void run(Random random) throws Exception;
    }

    @BeforeEach
    void watch(PostgresServer postgres) {
        logs = LogWatch.open();
        leaks = LeakWatch.start();
        postgres.execute("CREATE TABLE IF NOT EXISTS fuzz_copy (id int, name text)");
        postgres.execute("GRANT ALL ON fuzz_copy TO PUBLIC");
    }

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
        logs.close();
    }

    @Test
    void framesBeforeAuthentication(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "session", "", POOL_SIZE, "");
        fuzz("before login", 8, this::beforeLogin);
        assertServedAndHealthy(POOL_SIZE);
    }

    @Test
    void framesAfterLoginInTransactionMode(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "transaction", "", POOL_SIZE, "");
        fuzz("after login, transaction mode", POOL_SIZE, this::afterLogin);
        assertServedAndHealthy(POOL_SIZE);
    }

    /**
     * One server for four clients: most fuzzed frames arrive while their client waits for the
     * server and are sent from the checkout's listener (where a malformed Close once hung).
     */
    @Test
    void framesAfterLoginWhileWaitingForTheOneServer(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
        fuzz("after login, transaction mode, one server", POOL_SIZE, this::afterLogin);
        assertServedAndHealthy(1);
    }

    @Test
    void framesAfterLoginInSessionMode(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "session", "", POOL_SIZE, "");
        fuzz("after login, session mode", POOL_SIZE, this::afterLogin);
        assertServedAndHealthy(POOL_SIZE);
    }

    /** Runs the connections, {@code parallel} at a time, each with its own seed; prints the master seed. */
    private void fuzz(String what, int parallel, OneConnection connection) throws Exception {
        long seed = FuzzSize.seed();
        int connections = FuzzSize.connections();
        Random master = new Random(seed);
        long started = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(parallel);
        try {
            List<Long> seeds = new ArrayList<>();
            List<Future<?>> runs = new ArrayList<>();
            Long only = Long.getLong("pgrudder.fuzz.connection");
            for (int i = 0; i < (only != null ? 1 : connections); i++) {
                long connectionSeed = only != null ? only : master.nextLong();
                seeds.add(connectionSeed);
                runs.add(threads.submit(() -> {
                    connection.run(new Random(connectionSeed));
                    return null;
                }));
            }
            for (int i = 0; i < runs.size(); i++) {
                try {
                    runs.get(i).get();
                } catch (ExecutionException e) {
                    throw new AssertionError(what + ": seed " + seed + " (-Dpgrudder.fuzz.seed), connection " + i
                            + " with seed " + seeds.get(i) + ": " + e.getCause(), e.getCause());
                }
            }
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("ProtocolFuzzIT %s: seed %d, %d connections, %d frames, %d probes answered, %.1f s%n",
                what, seed, connections, frames.get(), answered.get(), (System.nanoTime() - started) / 1e9);
    }

    /**
     * A recorded session's startup and login, mutated or not, waiting for the one-byte answer
     * after an SSLRequest or GSSENCRequest as a real client does (most of the time), then half
     * closed: the pooler must answer and close.
     */
    private void beforeLogin(Random random) throws Exception {
        List<RecordedSessions.Session> sessions = RecordedSessions.all();
        RecordedSessions.Session session = sessions.get(random.nextInt(sessions.size()));
        Mutator mutator = new Mutator(random);
        List<WireFrame> input = switch (random.nextInt(10)) {
            case 0 -> session.frames();
            case 1, 2, 3 -> mutator.mutateKeepingFraming(session.frames());
            default -> mutator.mutate(session.frames(), donors);
        };
        frames.addAndGet(input.size());
        boolean waits = random.nextInt(4) != 0;
        try (FuzzConnection c = new FuzzConnection(harness.port, READ_TIMEOUT_MILLIS)) {
            c.describe(session.name() + (waits ? " waiting for 'N'" : ""), input);
            // Waiting for the answer makes sense only while every frame so far was sent intact:
            // after a mutated length the pooler is still reading that packet and waits for us.
            boolean inSync = true;
            for (WireFrame f : input) {
                if (!c.send(f.bytes())) {
                    break;
                }
                inSync &= intact.contains(f);
                if (waits && inSync && (f.equals(SSL_REQUEST) || f.equals(GSSENC_REQUEST)) && c.readByte() != 'N') {
                    break;
                }
            }
            c.shutdownOutput();
            c.drainUntilClosed();
        }
    }

    /**
     * A real md5 login, then a recorded session's frames mutated. When the mutation kept the
     * framing, a probe (Sync, SELECT) must be answered or the connection closed; otherwise the
     * connection is half closed and must be closed by the pooler.
     */
    private void afterLogin(Random random) throws Exception {
        Mutator mutator = new Mutator(random);
        List<List<WireFrame>> recorded = RecordedSessions.afterLogin();
        List<WireFrame> seed = recorded.get(random.nextInt(recorded.size()));
        boolean framed = random.nextInt(3) != 0;
        List<WireFrame> input = framed ? mutator.mutateKeepingFraming(seed) : mutator.mutate(seed, donors);
        frames.addAndGet(input.size());
        byte[] stream = WireFrame.concat(input);
        try (FuzzConnection c = new FuzzConnection(harness.port, READ_TIMEOUT_MILLIS)) {
            c.describe(framed ? "framed, probed" : "half closed", input);
            login(c, random);
            int at = 0;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, 1 + random.nextInt(random.nextBoolean() ? 16 : 4096));
                if (!c.send(stream, at, n)) {
                    return;
                }
                at += n;
            }
            if (framed) {
                probe(c);
            } else {
                c.shutdownOutput();
                c.drainUntilClosed();
            }
        }
    }

    private static void login(FuzzConnection c, Random random) throws Exception {
        c.send(WireFrame.of(random.nextBoolean() ? RecordedSessions.psqlStartup("md5user")
                : RecordedSessions.pgjdbcStartup("md5user")).bytes());
        FuzzConnection.Message challenge = c.read();
        assertTrue(challenge != null && challenge.type() == 'R' && challenge.body().length == 8
                && challenge.body()[3] == 5, "an md5 challenge");
        byte[] salt = Arrays.copyOfRange(challenge.body(), 4, 8);
        c.send(WireFrame.of(new PasswordMessage(Md5Password.clientResponse("md5user", "md5pass", salt))).bytes());
        for (FuzzConnection.Message m = c.read(); ; m = c.read()) {
            if (m == null || m.type() == 'E') {
                throw new AssertionError("login failed: " + (m == null ? "closed" : error(m)));
            }
            if (m.type() == 'Z') {
                return;
            }
        }
    }

    /**
     * Sends Sync, ROLLBACK and a query and reads until its row arrives or the pooler closes. An error may
     * have eaten the probe (a COPY the fuzz started ends with it), so after an error and
     * ReadyForQuery the probe is sent again, a bounded number of times.
     */
    private void probe(FuzzConnection c) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            if (!c.send(PROBE)) {
                c.drainUntilClosed();
                return;
            }
            boolean error = false;
            for (FuzzConnection.Message m = c.read(); ; m = c.read()) {
                if (m == null) {
                    return;
                }
                if (m.type() == 'D' && new String(m.body(), StandardCharsets.UTF_8).contains("fuzz-probe")) {
                    answered.incrementAndGet();
                    return;
                }
                if (m.type() == 'E') {
                    error = true;
                }
                if (m.type() == 'Z' && error) {
                    break;
                }
            }
        }
        throw new AssertionError("the probe query was never answered; sent " + c.input());
    }

    private static String error(FuzzConnection.Message m) {
        var buf = Unpooled.wrappedBuffer(m.body());
        try {
            ErrorResponse e = ErrorResponse.decode(buf);
            return e.sqlState() + " " + e.message();
        } finally {
            buf.release();
        }
    }

    /**
     * A normal client is served, on all the pool's servers at once (a server the fuzz left
     * checked out would make one of them wait), nobody waits afterwards, Netty logged no
     * unhandled exception and no buffer leaked.
     */
    private void assertServedAndHealthy(int poolSize) throws Exception {
        List<Connection> clients = new ArrayList<>();
        try {
            for (int i = 0; i < poolSize; i++) {
                Connection c = harness.connect("md5user", "md5pass");
                clients.add(c);
                c.setAutoCommit(false);
                assertEquals("1", scalar(c, "SELECT 1"));
            }
            for (Connection c : clients) {
                c.commit();
            }
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
        try (Connection trust = harness.connect("trustuser", null)) {
            assertEquals("1", scalar(trust, "SELECT 1"));
        }
        Pool pool = harness.pooler.pooler().pools().find("testdb", "md5user").orElseThrow();
        PoolStats stats = pool.stats().get(10, TimeUnit.SECONDS);
        assertEquals(0, stats.waiting(), stats.toString());
        assertTrue(stats.idle() + stats.active() + stats.connecting() <= poolSize, stats.toString());
        List<String> leaked = leaks.collect();
        System.out.printf("ProtocolFuzzIT: pool %s, %d warnings logged, %d exceptions from peers going away, %d leaks%n",
                stats, logs.all().size(), logs.peerGone(), leaked.size());
        logs.all().stream().map(l -> l.replaceAll("[0-9]+", "N")).distinct().limit(15).forEach(l -> System.out.println("  " + l));
        assertEquals(List.of(), logs.fromNetty(), "nothing may reach the end of a Netty pipeline");
        assertEquals(List.of(), logs.unexpectedExceptions(), "bad input ends in a PgException, not another exception");
        assertEquals(List.of(), leaked);
    }
}
