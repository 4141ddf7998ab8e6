package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** psql and pgbench (libpq) through the pooler in session mode, with md5 and SCRAM users. */
@ExtendWith(PostgresExtension.class)
class ClientToolsIT {
    private PoolerHarness harness;
    private PostgresServer postgres;

    @BeforeEach
    void start(PostgresServer postgres) throws Exception {
        this.postgres = postgres;
        harness = PoolerHarness.start(postgres, 4);
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void psqlRunsQueriesWithMd5AndScramUsers() throws Exception {
        Result md5 = run("md5pass", tool("psql"), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", String.valueOf(harness.port),
                "-U", "md5user", "-d", "testdb", "-c", "SELECT current_user || ' ' || current_setting('application_name')");
        assertEquals(0, md5.exit, md5.output);
        assertEquals("md5user psql", md5.output.strip());
        Result scram = run("scrampass", tool("psql"), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", String.valueOf(harness.port),
                "-U", "scramuser", "-d", "testdb", "-c", "SELECT current_user", "-c", "SHOW server_version_num");
        assertEquals(0, scram.exit, scram.output);
        assertTrue(scram.output.startsWith("scramuser"), scram.output);
        Result wrong = run("wrong", tool("psql"), "-X", "-h", "127.0.0.1", "-p", String.valueOf(harness.port),
                "-U", "scramuser", "-d", "testdb", "-c", "SELECT 1");
        assertEquals(2, wrong.exit, wrong.output);
        assertTrue(wrong.output.contains("password authentication failed for user \"scramuser\""), wrong.output);
    }

    @Test
    void pgbenchSelectOnlyInEveryQueryModeForMd5AndScram() throws Exception {
        postgres.execute("DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers");
        Result init = run("md5pass", tool("pgbench"), "-i", "-s", "1", "-q", "-h", "127.0.0.1",
                "-p", String.valueOf(harness.port), "-U", "md5user", "testdb");
        assertEquals(0, init.exit, init.output);
        postgres.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO scramuser");
        for (String[] user : new String[][]{{"md5user", "md5pass"}, {"scramuser", "scrampass"}}) {
            for (String mode : new String[]{"simple", "extended", "prepared"}) {
                Result bench = run(user[1], tool("pgbench"), "-n", "-S", "-M", mode, "-c", "4", "-j", "2", "-t", "200",
                        "-h", "127.0.0.1", "-p", String.valueOf(harness.port), "-U", user[0], "testdb");
                assertEquals(0, bench.exit, bench.output);
                assertTrue(bench.output.contains("number of transactions actually processed: 800/800"), bench.output);
                assertTrue(bench.output.contains("number of failed transactions: 0"), bench.output);
            }
        }
    }

    private String tool(String name) {
        return postgres.pgBinDir().map(d -> d.resolve(name)).filter(Files::isExecutable)
                .map(Path::toString).orElse(name);
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String password, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PGPASSWORD", password);
        env.put("PGSSLMODE", "disable");
        env.put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
