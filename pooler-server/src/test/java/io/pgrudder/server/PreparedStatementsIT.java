package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.BindComplete;
import io.pgrudder.protocol.backend.CloseComplete;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterDescription;
import io.pgrudder.protocol.backend.ParseComplete;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.backend.RowDescription;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.Close;
import io.pgrudder.protocol.frontend.Describe;
import io.pgrudder.protocol.frontend.Execute;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.StartupMessage;
import io.pgrudder.protocol.frontend.Sync;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Protocol-level prepared statements in transaction mode: many clients, few server connections. */
@ExtendWith(PostgresExtension.class)
class PreparedStatementsIT {
    private PoolerHarness harness;
    private PostgresServer postgres;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        this.postgres = postgres;
        harness = PoolerHarness.start(postgres, "transaction", "prepared_statements_cache_size = 3", 2,
                "connect_timeout = 10000");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void pgjdbcServerPreparedStatementsAcrossManyClientsAndTwoConnections() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int id = t;
                results.add(threads.submit(() -> {
                    Properties p = new Properties();
                    p.setProperty("prepareThreshold", "1"); // server-prepared from the first run: names S_1, S_2 collide across clients
                    try (Connection c = harness.connect("testdb", "md5user", "md5pass", p)) {
                        // Same statement name on every client, different text on odd and even ones.
                        String sql = id % 2 == 0 ? "SELECT ?::int + 1" : "SELECT ?::int * 10";
                        int checked = 0;
                        try (PreparedStatement a = c.prepareStatement(sql);
                             PreparedStatement b = c.prepareStatement("SELECT length(?::text)")) {
                            for (int i = 0; i < 30; i++) {
                                a.setInt(1, i);
                                try (ResultSet rs = a.executeQuery()) {
                                    rs.next();
                                    assertEquals(id % 2 == 0 ? i + 1 : i * 10, rs.getInt(1));
                                }
                                b.setString(1, "x".repeat(i));
                                try (ResultSet rs = b.executeQuery()) {
                                    rs.next();
                                    assertEquals(i, rs.getInt(1));
                                }
                                checked++;
                            }
                            assertEquals(1, a.getParameterMetaData().getParameterCount());
                        }
                        return checked;
                    }
                }));
            }
            for (Future<Integer> r : results) {
                assertEquals(30, r.get(120, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * psycopg 3 prepares automatically (prepare_threshold 0: at the first run), evicts from its own
     * cache with DEALLOCATE (prepared_max 2), cleans up after a failed transaction and a rolled-back
     * type change, and in pipeline mode sends all of it through the extended protocol.
     */
    @Test
    void psycopg3AutomaticPreparedStatementsThroughEvictionsRollbacksAndPipelines() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("target", "python-drivers");
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Path script = dir.resolve("psycopg_prepared.py");
        try (java.io.InputStream in = getClass().getResourceAsStream("/python/psycopg_prepared.py")) {
            java.nio.file.Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        postgres.execute("GRANT CREATE ON SCHEMA public TO md5user");
        java.nio.file.Path log = dir.resolve("psycopg.log");
        // Debian's interpreter, the one python3-psycopg installs into (a pyenv shim on PATH would not see it).
        String python = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        ProcessBuilder pb = new ProcessBuilder(python, script.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("PGRUDDER_PORT", String.valueOf(harness.port));
        pb.environment().put("PGRUDDER_USER", "md5user");
        pb.environment().put("PGRUDDER_PASSWORD", "md5pass");
        pb.environment().put("PGRUDDER_DATABASE", "testdb");
        Process p = pb.start();
        boolean ended = p.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        String out = java.nio.file.Files.readString(log);
        assertTrue(ended, "psycopg script timed out:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ALL OK"), out);
    }

    private WireClient login() throws Exception {
        WireClient c = new WireClient(harness.port);
        c.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb"))::encode);
        AuthenticationMD5Password md5 = assertInstanceOf(AuthenticationMD5Password.class, c.read());
        c.send(new PasswordMessage(Md5Password.clientResponse("md5user", "md5pass", md5.salt()))::encode);
        c.readUntil(ReadyForQuery.class);
        return c;
    }

    private static String run(WireClient c, String statement, String... params) throws Exception {
        List<byte[]> values = new ArrayList<>();
        for (String p : params) {
            values.add(p.getBytes(StandardCharsets.UTF_8));
        }
        c.send(out -> {
            new Bind("", statement, new short[0], values, new short[0]).encode(out);
            new Execute("", 0).encode(out);
            Sync.INSTANCE.encode(out);
        });
        BackendMessage m = c.read();
        if (m instanceof ErrorResponse e) {
            c.readUntil(ReadyForQuery.class);
            return "ERROR " + e.sqlState();
        }
        assertInstanceOf(BindComplete.class, m);
        DataRow row = c.readUntil(DataRow.class);
        c.readUntil(ReadyForQuery.class);
        return new String(row.values().get(0), StandardCharsets.UTF_8);
    }

    private static void prepare(WireClient c, String name, String sql) throws Exception {
        c.send(out -> {
            new Parse(name, sql, new int[0]).encode(out);
            Sync.INSTANCE.encode(out);
        });
        assertInstanceOf(ParseComplete.class, c.read());
        assertInstanceOf(ReadyForQuery.class, c.read());
    }

    /** Sends a simple query; returns its CommandComplete tag or "ERROR sqlstate", and the transaction status after it. */
    private static String simple(WireClient c, String sql) throws Exception {
        c.send(new Query(sql)::encode);
        String outcome = null;
        while (true) {
            BackendMessage m = c.read();
            if (m instanceof CommandComplete done && outcome == null) {
                outcome = done.tag();
            } else if (m instanceof ErrorResponse e) {
                outcome = "ERROR " + e.sqlState();
            } else if (m instanceof ReadyForQuery ready) {
                return outcome + " " + (char) ready.transactionStatus();
            }
        }
    }

    @Test
    void anUnknownStatementInsideATransactionBlockAbortsItAsOnADirectConnection() throws Exception {
        try (WireClient c = login()) {
            assertEquals("BEGIN T", simple(c, "BEGIN"));
            c.send(out -> {
                new Bind("", "never_prepared", new short[0], List.of(), new short[0]).encode(out);
                new Execute("", 0).encode(out);
                Sync.INSTANCE.encode(out);
            });
            assertEquals("26000", assertInstanceOf(ErrorResponse.class, c.read()).sqlState());
            assertEquals('E', (char) assertInstanceOf(ReadyForQuery.class, c.read()).transactionStatus(),
                    "the transaction is failed, as the server would have it");
            assertEquals("ROLLBACK I", simple(c, "COMMIT"), "so its COMMIT rolls back");

            assertEquals("BEGIN T", simple(c, "BEGIN"));
            assertEquals("ERROR 26000 E", simple(c, "DEALLOCATE never_prepared"));
            assertEquals("ROLLBACK I", simple(c, "COMMIT"));

            assertEquals("ERROR 26000 I", simple(c, "DEALLOCATE never_prepared"), "outside a transaction too");
            assertEquals("ERROR 26000", run(c, "pgrudder_1"), "the pooler's own names are never sent as a client's");
        }
    }

    @Test
    void sameNameDifferentTextOnTwoClientsNeverClash() throws Exception {
        try (WireClient a = login(); WireClient b = login()) {
            prepare(a, "stmt", "SELECT 'a:' || $1::text");
            prepare(b, "stmt", "SELECT 'b:' || $1::text");
            for (int i = 0; i < 5; i++) {
                assertEquals("a:" + i, run(a, "stmt", String.valueOf(i)));
                assertEquals("b:" + i, run(b, "stmt", String.valueOf(i)));
            }
        }
    }

    @Test
    void unknownDuplicateClosedAndDeallocatedStatementsBehaveAsOnADirectConnection() throws Exception {
        try (WireClient c = login()) {
            assertEquals("ERROR 26000", run(c, "nope"));
            c.send(out -> {
                new Describe(Describe.STATEMENT, "nope").encode(out);
                Sync.INSTANCE.encode(out);
            });
            assertEquals("26000", assertInstanceOf(ErrorResponse.class, c.read()).sqlState());
            c.readUntil(ReadyForQuery.class);

            prepare(c, "s1", "SELECT $1::int + 100");
            c.send(out -> {
                new Parse("s1", "SELECT 1", new int[0]).encode(out);
                new Bind("", "s1", new short[0], List.of("1".getBytes()), new short[0]).encode(out);
                new Execute("", 0).encode(out);
                Sync.INSTANCE.encode(out);
            });
            assertEquals("42P05", assertInstanceOf(ErrorResponse.class, c.read()).sqlState());
            assertInstanceOf(ReadyForQuery.class, c.read(), "the rest up to Sync is skipped");
            assertEquals("101", run(c, "s1", "1"), "the original statement is intact");

            c.send(out -> {
                new Describe(Describe.STATEMENT, "s1").encode(out);
                Sync.INSTANCE.encode(out);
            });
            assertInstanceOf(ParameterDescription.class, c.read());
            assertInstanceOf(RowDescription.class, c.read());
            assertInstanceOf(ReadyForQuery.class, c.read());

            c.send(out -> {
                new Close(Close.STATEMENT, "s1").encode(out);
                new Close(Close.STATEMENT, "never-existed").encode(out);
                Sync.INSTANCE.encode(out);
            });
            assertInstanceOf(CloseComplete.class, c.read());
            assertInstanceOf(CloseComplete.class, c.read());
            assertInstanceOf(ReadyForQuery.class, c.read());
            assertEquals("ERROR 26000", run(c, "s1", "1"));

            prepare(c, "s2", "SELECT 2");
            prepare(c, "s3", "SELECT 3");
            c.send(new Query("DEALLOCATE s2")::encode);
            assertEquals("DEALLOCATE", c.readUntil(CommandComplete.class).tag());
            c.readUntil(ReadyForQuery.class);
            assertEquals("ERROR 26000", run(c, "s2"));
            assertEquals("3", run(c, "s3"));
            c.send(new Query("DEALLOCATE ALL")::encode);
            assertEquals("DEALLOCATE ALL", c.readUntil(CommandComplete.class).tag());
            c.readUntil(ReadyForQuery.class);
            assertEquals("ERROR 26000", run(c, "s3"));

            prepare(c, "s4", "SELECT 4");
            c.send(new Query("DISCARD ALL")::encode);
            assertEquals("DISCARD ALL", c.readUntil(CommandComplete.class).tag());
            c.readUntil(ReadyForQuery.class);
            assertEquals("ERROR 26000", run(c, "s4"));
            prepare(c, "s4", "SELECT 44");
            assertEquals("44", run(c, "s4"), "the name is free again after DISCARD ALL");
        }
    }

    @Test
    void anErrorBeforeSyncSkipsTheRestOfThePipelineAndTheNextOneWorks() throws Exception {
        try (WireClient c = login()) {
            prepare(c, "div", "SELECT 10 / $1::int");
            c.send(out -> {
                new Bind("", "div", new short[0], List.of("0".getBytes()), new short[0]).encode(out);
                new Execute("", 0).encode(out);
                new Parse("later", "SELECT 1", new int[0]).encode(out);
                new Bind("", "div", new short[0], List.of("5".getBytes()), new short[0]).encode(out);
                new Execute("", 0).encode(out);
                Sync.INSTANCE.encode(out);
            });
            // PostgreSQL may fail it at Bind (custom plan, constant folded) or at Execute.
            BackendMessage first = c.read();
            ErrorResponse error = first instanceof BindComplete ? assertInstanceOf(ErrorResponse.class, c.read())
                    : assertInstanceOf(ErrorResponse.class, first);
            assertEquals("22012", error.sqlState());
            assertInstanceOf(ReadyForQuery.class, c.read(), "nothing between the error and ReadyForQuery");
            assertEquals("ERROR 26000", run(c, "later"), "the skipped Parse never happened");
            assertEquals("2", run(c, "div", "5"));
        }
    }

    @Test
    void statementsEvictedFromAServerAreReparedOnDemand() throws Exception {
        try (WireClient c = login()) {
            for (int i = 0; i < 6; i++) {
                prepare(c, "q" + i, "SELECT " + i + " + $1::int");
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 6; i++) {
                    assertEquals(String.valueOf(i + round), run(c, "q" + i, String.valueOf(round)));
                }
            }
        }
        try (Connection direct = postgres.connect("testdb", "postgres", null)) {
            // cache size 3: no server session holds more than three of the pooler's statements
            assertTrue(Integer.parseInt(SessionPoolingIT.scalar(direct, "SELECT 0")) == 0);
        }
    }

    @Test
    void aParseLargerThanAnyBufferWorks() throws Exception {
        StringBuilder sql = new StringBuilder("SELECT length('");
        sql.append("x".repeat(4 * 1024 * 1024)).append("') + $1::int");
        try (WireClient c = login()) {
            prepare(c, "big", sql.toString());
            assertEquals(String.valueOf(4 * 1024 * 1024 + 1), run(c, "big", "1"));
        }
    }

    @Test
    void pgbenchPreparedModeWithManyClientsOnFewConnections() throws Exception {
        postgres.execute("DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers");
        ProcessBuilder init = new ProcessBuilder(tool("pgbench"), "-i", "-s", "1", "-q", "-h", "127.0.0.1",
                "-p", String.valueOf(postgres.port()), "-U", "postgres", "testdb").redirectErrorStream(true);
        Process p = init.start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0);
        postgres.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO md5user");
        for (String mode : new String[]{"prepared", "extended", "simple"}) {
            ProcessBuilder bench = new ProcessBuilder(tool("pgbench"), "-n", "-M", mode, "-c", "20", "-j", "2", "-t", "50",
                    "-h", "127.0.0.1", "-p", String.valueOf(harness.port), "-U", "md5user", "testdb").redirectErrorStream(true);
            bench.environment().put("PGPASSWORD", "md5pass");
            Process b = bench.start();
            String out = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(b.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, b.exitValue(), out);
            assertTrue(out.contains("number of transactions actually processed: 1000/1000"), out);
            assertTrue(out.contains("number of failed transactions: 0"), out);
        }
    }

    /** Every client on one server connection, so that what one client leaves there meets the next. */
    private void oneServerConnection() throws Exception {
        harness.close();
        harness = PoolerHarness.start(postgres, "transaction", "prepared_statements_cache_size = 3", 1,
                "connect_timeout = 10000");
    }

    /**
     * Parse/Bind/Execute/Sync of {@code sql} as the unnamed statement (psycopg 3 in pipeline mode
     * sends its DEALLOCATEs so); returns what came back, e.g. "1 2 DEALLOCATE Z" for ParseComplete,
     * BindComplete, CommandComplete DEALLOCATE and ReadyForQuery, or "ERROR 26000" in its place.
     */
    private static String extended(WireClient c, String sql) throws Exception {
        c.send(out -> {
            new Parse("", sql, new int[0]).encode(out);
            new Bind("", "", new short[0], List.of(), new short[0]).encode(out);
            new Execute("", 0).encode(out);
            Sync.INSTANCE.encode(out);
        });
        StringBuilder got = new StringBuilder();
        while (true) {
            BackendMessage m = c.read();
            if (m instanceof ParseComplete) {
                got.append("1 ");
            } else if (m instanceof BindComplete) {
                got.append("2 ");
            } else if (m instanceof CommandComplete done) {
                got.append(done.tag()).append(' ');
            } else if (m instanceof ErrorResponse e) {
                got.append("ERROR ").append(e.sqlState()).append(' ');
            } else if (m instanceof ReadyForQuery) {
                return got.append('Z').toString();
            }
        }
    }

    /** Parse/Sync; returns "1" for ParseComplete or "ERROR sqlstate". */
    private static String tryPrepare(WireClient c, String name, String sql) throws Exception {
        c.send(out -> {
            new Parse(name, sql, new int[0]).encode(out);
            Sync.INSTANCE.encode(out);
        });
        BackendMessage m = c.read();
        c.readUntil(ReadyForQuery.class);
        return m instanceof ErrorResponse e ? "ERROR " + e.sqlState() : m instanceof ParseComplete ? "1" : m.toString();
    }

    @Test
    void deallocateAllThatReachesTheServerIsTakenIntoAccount() throws Exception {
        oneServerConnection();
        try (WireClient a = login(); WireClient b = login()) {
            prepare(a, "s1", "SELECT 1 + $1::int");
            prepare(b, "other", "SELECT 1 + $1::int"); // the same statement on the server
            assertEquals("2", run(b, "other", "1"));

            assertEquals("1 2 DEALLOCATE ALL Z", extended(a, "DEALLOCATE ALL"));
            assertEquals("ERROR 26000", run(a, "s1", "1"), "the client's own names are gone, as on a direct connection");
            assertEquals("2", run(b, "other", "1"), "the other client's statement is prepared again on that server");
            prepare(a, "s1", "SELECT 1 + $1::int");
            assertEquals("3", run(a, "s1", "2"), "the name is free again and works");

            assertEquals("ROLLBACK I", simple(a, "ROLLBACK; DEALLOCATE ALL"));
            assertEquals("ERROR 26000", run(a, "s1", "1"));
            assertEquals("3", run(b, "other", "2"));
            prepare(a, "s1", "SELECT 1 + $1::int");
            assertEquals("4", run(a, "s1", "3"));
        }
    }

    @Test
    void deallocateOfAClientsStatementThroughTheExtendedProtocolBehavesAsOnADirectConnection() throws Exception {
        oneServerConnection();
        try (WireClient a = login(); WireClient b = login()) {
            prepare(a, "_pg3_1", "SELECT 10 + $1::int");
            prepare(b, "mine", "SELECT 10 + $1::int"); // the same statement on the server
            prepare(a, "Quoted \"Name\"", "SELECT 20 + $1::int");
            prepare(a, "_pg3_2", "SELECT 30 + $1::int");
            assertEquals("21", run(a, "Quoted \"Name\"", "1"));

            assertEquals("1 2 DEALLOCATE Z", extended(a, "DEALLOCATE _pg3_1"));
            assertEquals("ERROR 26000", run(a, "_pg3_1", "1"));
            assertEquals("11", run(b, "mine", "1"), "another client's name for it goes on working");
            prepare(a, "_pg3_1", "SELECT 10 + $1::int");
            assertEquals("12", run(a, "_pg3_1", "2"), "the name is free again");

            assertEquals("1 2 DEALLOCATE Z", extended(a, "DEALLOCATE PREPARE \"Quoted \"\"Name\"\"\""));
            assertEquals("ERROR 26000", run(a, "Quoted \"Name\"", "1"));
            assertEquals("1 2 DEALLOCATE Z", extended(a, "deallocate _PG3_2;"), "unquoted names are folded");
            assertEquals("ERROR 26000", run(a, "_pg3_2", "1"));
            prepare(a, "_pg3_2", "SELECT 30 + $1::int");
            assertEquals("31", run(a, "_pg3_2", "1"), "prepared again on the server after its DEALLOCATE");

            assertEquals("1 2 ERROR 26000 Z", extended(a, "DEALLOCATE never_prepared"), "the server's own error");
            assertEquals("BEGIN T", simple(a, "BEGIN"));
            assertEquals("1 2 DEALLOCATE Z", extended(a, "DEALLOCATE _pg3_1"), "inside a transaction block too");
            assertEquals("ROLLBACK I", simple(a, "ROLLBACK"));
            assertEquals("ERROR 26000", run(a, "_pg3_1", "1"), "DEALLOCATE is not undone by ROLLBACK");
            assertEquals("11", run(b, "mine", "1"));
            assertTrue(extended(a, "DEALLOCATE pgrudder_1").contains("ERROR 26000"), "the pooler's names are not the client's");
            assertEquals("11", run(b, "mine", "1"));
        }
    }

    @Test
    void statementsPreparedInARolledBackTransactionArePreparedAgain() throws Exception {
        oneServerConnection();
        postgres.execute("DROP TYPE IF EXISTS pair1, pair2, pair3, gone");
        // What runs after BEGIN before the type is made, and what ends the transaction without it.
        String[] before = {null, "SAVEPOINT sp", null};
        String[][] endings = {{"ROLLBACK"}, {"ROLLBACK TO SAVEPOINT sp", "COMMIT"}, {"SELECT 1 / 0", "COMMIT"}};
        for (int n = 0; n < endings.length; n++) {
            String[] ending = endings[n];
            String type = "pair" + (n + 1);
            String sql = "SELECT ($1::" + type + ").a";
            try (WireClient a = login(); WireClient b = login()) {
                assertEquals("BEGIN T", simple(a, "BEGIN"));
                if (before[n] != null) {
                    simple(a, before[n]);
                }
                assertEquals("CREATE TYPE T", simple(a, "CREATE TYPE " + type + " AS (a int, b int)"));
                prepare(a, "p", sql);
                assertEquals("1", run(a, "p", "(1,2)"));
                for (String end : ending) {
                    simple(a, end);
                }
                assertEquals('I', (char) readyOf(a).transactionStatus(), String.join("; ", ending));

                assertEquals("ERROR 42704", tryPrepare(b, "q", sql),
                        "the type is gone: the Parse fails as on a direct connection (" + String.join("; ", ending) + ")");
                assertEquals("CREATE TYPE I", simple(a, "CREATE TYPE " + type + " AS (a int, b int)"));
                prepare(b, "q", sql);
                assertEquals("3", run(b, "q", "(3,4)"), "prepared again after " + String.join("; ", ending));
                assertEquals("5", run(b, "q", "(5,6)"));
            }
        }
        try (WireClient a = login()) {
            assertEquals("BEGIN T", simple(a, "BEGIN"));
            assertEquals("CREATE TYPE T", simple(a, "CREATE TYPE gone AS (a int)"));
            prepare(a, "p", "SELECT ($1::gone).a");
            assertEquals("7", run(a, "p", "(7)"));
        } // the client leaves inside its transaction: the pooler rolls it back
        try (WireClient b = login()) {
            assertEquals("CREATE TYPE I", simple(b, "CREATE TYPE gone AS (a int)"));
            prepare(b, "q", "SELECT ($1::gone).a");
            assertEquals("8", run(b, "q", "(8)"), "prepared again after the pooler's own ROLLBACK");
        }
    }

    private static ReadyForQuery readyOf(WireClient c) throws Exception {
        c.send(new Query("SELECT 1")::encode);
        return c.readUntil(ReadyForQuery.class);
    }

    @Test
    void pgjdbcGoesOnAfterARolledBackTypeChangeAndItsOwnCacheEvictions() throws Exception {
        postgres.execute("DROP TYPE IF EXISTS jpair");
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "1");
        p.setProperty("preparedStatementCacheQueries", "2");
        try (Connection c = harness.connect("testdb", "md5user", "md5pass", p)) {
            try (PreparedStatement plain = c.prepareStatement("SELECT ?::int + 1")) {
                plain.setInt(1, 1);
                assertEquals(2, intOf(plain));
            }
            c.setAutoCommit(false);
            try (java.sql.Statement ddl = c.createStatement()) {
                ddl.execute("CREATE TYPE jpair AS (a int, b int)");
            }
            try (PreparedStatement typed = c.prepareStatement("SELECT (?::jpair).a")) {
                typed.setObject(1, "(1,2)", java.sql.Types.OTHER);
                assertEquals(1, intOf(typed));
            }
            c.rollback();
            c.setAutoCommit(true);
            try (java.sql.Statement ddl = c.createStatement()) {
                ddl.execute("CREATE TYPE jpair AS (a int, b int)");
            }
            for (int round = 0; round < 3; round++) {
                try (PreparedStatement typed = c.prepareStatement("SELECT (?::jpair).a")) {
                    typed.setObject(1, "(" + round + ",2)", java.sql.Types.OTHER);
                    assertEquals(round, intOf(typed), "the same statement after the rolled-back type change");
                }
                try (PreparedStatement plain = c.prepareStatement("SELECT ?::int + 1")) {
                    plain.setInt(1, round);
                    assertEquals(round + 1, intOf(plain));
                }
            }
            for (int round = 0; round < 5; round++) {
                for (int k = 0; k < 4; k++) {
                    try (PreparedStatement s = c.prepareStatement("SELECT ?::int * " + (k + 2))) {
                        s.setInt(1, round);
                        assertEquals(round * (k + 2), intOf(s), "pgjdbc's cache holds two of these four");
                    }
                }
            }
            try (java.sql.Statement ddl = c.createStatement()) {
                ddl.execute("DROP TYPE jpair");
            }
        }
    }

    private static int intOf(PreparedStatement s) throws Exception {
        try (ResultSet rs = s.executeQuery()) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private String tool(String name) {
        return postgres.pgBinDir().map(d -> d.resolve(name).toString()).orElse(name);
    }
}
