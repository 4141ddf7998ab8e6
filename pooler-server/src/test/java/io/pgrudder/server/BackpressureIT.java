package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large replies and long pipelines pass through whatever the sizes: reading from one side stops
 * while the other cannot take more, and starts again when it can, on every path. Each test is
 * bounded by the driver's socketTimeout: a hang fails it.
 */
@ExtendWith(PostgresExtension.class)
class BackpressureIT {
    private static final int TWENTY_MB = 20_000_000;

    private static Properties client() {
        Properties p = new Properties();
        p.setProperty("socketTimeout", "60");
        return p;
    }

    private static void bigRowPasses(PoolerHarness harness) throws SQLException {
        try (Connection c = harness.connect("testdb", "md5user", "md5pass", client());
             Statement s = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                try (ResultSet rs = s.executeQuery("SELECT repeat('x', " + TWENTY_MB + ")")) {
                    assertTrue(rs.next());
                    assertEquals(TWENTY_MB, rs.getString(1).length());
                }
            }
            String literal = "y".repeat(TWENTY_MB);
            try (PreparedStatement echo = c.prepareStatement("SELECT length(?::text), ?::text")) {
                echo.setString(1, literal);
                echo.setString(2, literal);
                try (ResultSet rs = echo.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(TWENTY_MB, rs.getInt(1));
                    assertEquals(literal, rs.getString(2));
                }
            }
        }
    }

    /** Row 11 of issue 9: a 20 MB row hung transaction mode forever; 10 MB passed. */
    @Test
    void aTwentyMegabyteRowPassesInTransactionMode(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "")) {
            bigRowPasses(harness);
        }
    }

    /** The same through psql, which reads as libpq does (the reproduction). */
    @Test
    void aTwentyMegabyteRowReachesPsqlInTransactionMode(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "")) {
            String psql = postgres.pgBinDir().map(d -> d.resolve("psql")).filter(java.nio.file.Files::isExecutable)
                    .map(java.nio.file.Path::toString).orElse("psql");
            java.io.File errors = java.io.File.createTempFile("psql", ".err");
            ProcessBuilder pb = new ProcessBuilder(psql, "-X", "-A", "-t", "-h", "127.0.0.1", "-p",
                    String.valueOf(harness.port), "-U", "md5user", "-d", "testdb",
                    "-c", "SELECT repeat('x', " + TWENTY_MB + ")", "-c", "SELECT repeat('z', " + TWENTY_MB + ")")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errors);
            pb.environment().put("PGPASSWORD", "md5pass");
            pb.environment().put("PGSSLMODE", "disable");
            Process p = pb.start();
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("psql hung on a 20 MB row");
            }
            assertEquals(0, p.exitValue(), java.nio.file.Files.readString(errors.toPath()));
            errors.delete();
        }
    }

    @Test
    void aTwentyMegabyteRowPassesInSessionMode(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "session", "", 1, "")) {
            bigRowPasses(harness);
        }
    }

    /**
     * Row 12: a pipelined batch (extended protocol) with an invalid row in it hung client and
     * server in transaction mode. The server skips to the next Sync and answers it; the pooler
     * must pass that on, and the rows stored must be those a direct connection stores (pgjdbc puts
     * a Sync in a long batch now and then, so rows before the last one commit in autocommit).
     */
    @Test
    void aPipelinedBatchWithABadRowFailsAsOnADirectConnection(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS batched; CREATE TABLE batched (n bigint); GRANT ALL ON batched TO PUBLIC");
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             Connection pooled = harness.connect("testdb", "md5user", "md5pass", client());
             Connection direct = postgres.connect("testdb", PostgresServer.MD5_USER, PostgresServer.MD5_PASSWORD)) {
            for (boolean autocommit : new boolean[] {true, false}) {
                assertEquals(badBatch(direct, autocommit, "?::bigint"), badBatch(pooled, autocommit, "?::bigint"),
                        "autocommit " + autocommit + ", failing in Execute");
            }
        }
        // The parameter typed bigint by the server: "" fails in Bind instead.
        Properties untyped = client();
        untyped.setProperty("stringtype", "unspecified");
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             Connection pooled = harness.connect("testdb", "md5user", "md5pass", untyped);
             Connection direct = java.sql.DriverManager.getConnection(postgres.jdbcUrl("testdb"), directUntyped())) {
            for (boolean autocommit : new boolean[] {true, false}) {
                assertEquals(badBatch(direct, autocommit, "?"), badBatch(pooled, autocommit, "?"),
                        "autocommit " + autocommit + ", failing in Bind");
            }
        } finally {
            postgres.execute("DROP TABLE batched");
        }
    }

    private static Properties directUntyped() {
        Properties p = client();
        p.setProperty("user", PostgresServer.MD5_USER);
        p.setProperty("password", PostgresServer.MD5_PASSWORD);
        p.setProperty("stringtype", "unspecified");
        return p;
    }

    /** The rows a 500-row batch with a bad 300th row leaves, and the SQLSTATE it failed with. */
    private static String badBatch(Connection c, boolean autocommit, String parameter) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("TRUNCATE batched");
        }
        c.setAutoCommit(autocommit);
        String state;
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO batched (n) VALUES (" + parameter + ")")) {
            for (int i = 0; i < 500; i++) {
                insert.setString(1, i == 300 ? "" : Integer.toString(i));
                insert.addBatch();
            }
            BatchUpdateException e = assertThrows(BatchUpdateException.class, insert::executeBatch);
            state = e.getNextException() != null ? e.getNextException().getSQLState() : e.getSQLState();
        }
        if (!autocommit) {
            c.rollback();
            c.setAutoCommit(true);
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM batched")) {
            assertTrue(rs.next());
            return state + " " + rs.getInt(1) + " rows";
        }
    }

    /**
     * Row 8: replies the pooler makes itself (here to SHOW SERVER ROLE) went out however little
     * the client read: 5 MB of such queries took 48 MB of direct memory (2 MB here). Now the pooler stops
     * reading a client that does not read its replies, as PostgreSQL does, and every reply
     * arrives once the client reads.
     */
    @Test
    void aClientThatDoesNotReadItsRepliesIsNotReadEither(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             WireClient c = WireClient.loggedIn(harness.port, 4096, "md5user", "md5pass", "testdb")) {
            floodWithoutReading(c, "SHOW SERVER ROLE", true);
        }
    }

    /** The same on the admin console, whose every reply the pooler makes itself. */
    @Test
    void anAdminConsoleThatDoesNotReadItsRepliesIsNotReadEither(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             WireClient c = WireClient.loggedIn(harness.port, 4096, "admin", "admin-secret", "pgcat")) {
            // Not read to the end: each admin command is logged, and the bound is what is checked.
            floodWithoutReading(c, "SHOW VERSION", false);
        }
    }

    /** Pipelined admin commands are answered one at a time, in the order sent. */
    @Test
    void pipelinedAdminCommandsAreAnsweredInOrder(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             WireClient c = WireClient.loggedIn(harness.port, 0, "admin", "admin-secret", "pgcat")) {
            java.util.List<String> sent = new java.util.ArrayList<>();
            c.send(out -> {
                for (int i = 0; i < 50; i++) {
                    // SHOW POOLS asks every pool's loop; SHOW VERSION answers at once: it must not overtake.
                    String sql = i % 2 == 0 ? "SHOW POOLS" : "SHOW VERSION";
                    sent.add(sql.equals("SHOW POOLS") ? "database" : "version");
                    new io.pgrudder.protocol.frontend.Query(sql).encode(out);
                }
            });
            for (String firstColumn : sent) {
                var description = c.readUntil(io.pgrudder.protocol.backend.RowDescription.class);
                assertEquals(firstColumn, description.fields().get(0).name());
                c.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class);
            }
        }
    }

    /**
     * Sends 2 MB of {@code sql} from another thread without reading; the pooler's direct memory
     * must stay bounded, and once the client reads, queries are answered (with {@code readAll},
     * every one of them).
     */
    private static void floodWithoutReading(WireClient c, String sql, boolean readAll) throws Exception {
        io.netty.buffer.ByteBuf one = io.netty.buffer.Unpooled.buffer();
        new io.pgrudder.protocol.frontend.Query(sql).encode(one);
        byte[] query = new byte[one.readableBytes()];
        one.readBytes(query);
        one.release();
        int floods = 2_000_000 / (query.length * 1000) + 1;
        byte[] flood = new byte[query.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(query, 0, flood, i * query.length, query.length);
        }
        long before = usedDirectMemory();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < floods; i++) {
                    c.sendRaw(flood);
                }
            } catch (java.io.IOException e) {
                // closed by the test once it has seen what it checks (readAll false)
            }
        }, "flood");
        writer.setDaemon(true);
        writer.start();
        // A bound: with the fix the writer stays blocked, the client reading nothing. Short of
        // tcp_user_timeout (10 s), after which the kernel ends a connection whose peer reads nothing.
        writer.join(3_000);
        long grew = usedDirectMemory() - before;
        assertTrue(grew < 8 * 1024 * 1024, "direct memory grew " + grew + " bytes for a client that reads nothing");
        int answered = 0;
        while (answered < (readAll ? floods * 1000 : 100)) {
            if (c.read() instanceof io.pgrudder.protocol.backend.ReadyForQuery) {
                answered++;
            }
        }
        if (readAll) {
            writer.join(60_000);
            assertTrue(!writer.isAlive(), "the whole flood was read once the client read its replies");
        }
    }

    /**
     * Row 4: client A asks for 12 MB and does not read; the pool's one server then went back to
     * the pool with reading switched off (A's channel was full), and client B's reply never came,
     * even after A left.
     */
    @Test
    void aServerLeftByAClientThatStoppedReadingServesTheNextClient(PostgresServer postgres) throws Exception {
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "")) {
            WireClient a = WireClient.loggedIn(harness.port, 4096, "md5user", "md5pass", "testdb");
            a.send(new io.pgrudder.protocol.frontend.Query("SELECT repeat('x', 12000000)")::encode);
            // A reads the start of its reply, so its server is surely attached and writing, then stops reading.
            assertTrue(a.read() instanceof io.pgrudder.protocol.backend.RowDescription);
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> {
                try (Connection c = harness.connect("testdb", "md5user", "md5pass", client());
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
                    rs.next();
                    return rs.getInt(1);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            // The server finished A's query (its reply sits in the pooler, A not reading) and went
            // back to the pool: B gets it while A is still connected.
            assertEquals(2, b.get(60, java.util.concurrent.TimeUnit.SECONDS));
            a.close();
            // And again: the pool's server (new or reused) is read normally.
            try (Connection c = harness.connect("testdb", "md5user", "md5pass", client())) {
                assertEquals(TWENTY_MB, scalarLength(c));
            }
        }
    }

    /**
     * Row 5: COPY FROM STDIN in the extended protocol, as libpq's PQexecParams sends it
     * (Parse/Bind/Describe/Execute/Sync, then CopyData/CopyDone/Sync). PostgreSQL ignores the
     * Sync sent during COPY and answers one ReadyForQuery; the pooler waited for two, so the
     * pool's one server stayed with this client and the next client got 53300.
     */
    @Test
    void anExtendedProtocolCopyFromStdinEndsWithOneReadyForQuery(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS copied; CREATE TABLE copied (n int); GRANT ALL ON copied TO PUBLIC");
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             WireClient a = WireClient.loggedIn(harness.port, 0, "md5user", "md5pass", "testdb")) {
            for (int round = 0; round < 3; round++) {
                a.send(out -> {
                    new io.pgrudder.protocol.frontend.Parse("", "COPY copied (n) FROM STDIN", new int[0]).encode(out);
                    new io.pgrudder.protocol.frontend.Bind("", "", new short[0], java.util.List.of(), new short[0]).encode(out);
                    new io.pgrudder.protocol.frontend.Describe(io.pgrudder.protocol.frontend.Describe.PORTAL, "").encode(out);
                    new io.pgrudder.protocol.frontend.Execute("", 0).encode(out);
                    io.pgrudder.protocol.frontend.Sync.INSTANCE.encode(out);
                });
                a.readUntil(io.pgrudder.protocol.backend.CopyInResponse.class);
                a.send(out -> {
                    new io.pgrudder.protocol.CopyData("1\n2\n3\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encode(out);
                    out.writeByte(io.pgrudder.protocol.MessageType.COPY_DONE).writeInt(4);
                    io.pgrudder.protocol.frontend.Sync.INSTANCE.encode(out);
                });
                a.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class);
                // One ReadyForQuery, and the server is free: another client gets it at once.
                try (Connection b = harness.connect("testdb", "md5user", "md5pass", client());
                     Statement s = b.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM copied")) {
                    assertTrue(rs.next());
                    assertEquals(3 * (round + 1), rs.getInt(1));
                }
                // And this client's next request is answered as its own.
                a.send(new io.pgrudder.protocol.frontend.Query("SELECT 42")::encode);
                io.pgrudder.protocol.backend.DataRow row = a.readUntil(io.pgrudder.protocol.backend.DataRow.class);
                assertEquals("42", new String(row.values().get(0), java.nio.charset.StandardCharsets.US_ASCII));
                a.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class);
            }
        } finally {
            postgres.execute("DROP TABLE copied");
        }
    }

    /**
     * A Query sent during COPY FROM STDIN, without CopyDone: PostgreSQL fails the COPY with it
     * (08P01 "unexpected message type 0x51 during COPY from stdin") and then ends the connection
     * (FATAL 08P01 "protocol synchronization was lost"). Through the pooler in transaction mode
     * the client gets both errors, one ReadyForQuery per Query it sent, and keeps its connection;
     * the pool's one server is replaced and serves the next client.
     */
    @Test
    void aQuerySentIntoACopyEndsThatServerNotTheClient(PostgresServer postgres) throws Exception {
        postgres.execute("DROP TABLE IF EXISTS copied_into; CREATE TABLE copied_into (n int); GRANT ALL ON copied_into TO PUBLIC");
        try (PoolerHarness harness = PoolerHarness.start(postgres, "transaction", "", 1, "");
             WireClient a = WireClient.loggedIn(harness.port, 0, "md5user", "md5pass", "testdb")) {
            // Queued behind the COPY before its CopyInResponse, and sent once the COPY runs.
            for (boolean queued : new boolean[] {true, false}) {
                if (queued) {
                    a.send(out -> {
                        new io.pgrudder.protocol.frontend.Query("COPY copied_into (n) FROM STDIN").encode(out);
                        new io.pgrudder.protocol.frontend.Query("SELECT 2").encode(out);
                    });
                } else {
                    a.send(new io.pgrudder.protocol.frontend.Query("COPY copied_into (n) FROM STDIN")::encode);
                    a.readUntil(io.pgrudder.protocol.backend.CopyInResponse.class);
                    a.send(new io.pgrudder.protocol.frontend.Query("SELECT 2")::encode);
                }
                var error = a.readUntil(io.pgrudder.protocol.backend.ErrorResponse.class);
                assertEquals("08P01", error.sqlState(), error.message());
                a.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class);
                a.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class); // one per Query sent
                a.send(new io.pgrudder.protocol.frontend.Query("SELECT 42")::encode);
                io.pgrudder.protocol.backend.DataRow row = a.readUntil(io.pgrudder.protocol.backend.DataRow.class);
                assertEquals("42", new String(row.values().get(0), java.nio.charset.StandardCharsets.US_ASCII),
                        "the client's connection goes on");
                a.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class);
                try (Connection b = harness.connect("testdb", "md5user", "md5pass", client());
                     Statement s = b.createStatement(); ResultSet rs = s.executeQuery("SELECT 3")) {
                    assertTrue(rs.next(), queued ? "queued" : "sent during the COPY");
                }
            }
        } finally {
            postgres.execute("DROP TABLE copied_into");
        }
    }

    private static int scalarLength(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT repeat('x', " + TWENTY_MB + ")")) {
            assertTrue(rs.next());
            return rs.getString(1).length();
        }
    }

    private static long usedDirectMemory() {
        return ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT).metric()
                .usedDirectMemory();
    }
}
