package io.pgrudder.server;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.auth.Md5Password;
import io.pgrudder.protocol.auth.ScramClient;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.AuthenticationOk;
import io.pgrudder.protocol.backend.AuthenticationSASL;
import io.pgrudder.protocol.backend.AuthenticationSASLContinue;
import io.pgrudder.protocol.backend.AuthenticationSASLFinal;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.SASLInitialResponse;
import io.pgrudder.protocol.frontend.SASLResponse;
import io.pgrudder.protocol.frontend.StartupMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Roles created at test time, not in the TOML, log in through auth_query (PgBouncer's default
 * query) with md5 and SCRAM secrets; wrong password, unknown role, NOLOGIN and an expired role all
 * get the same 28P01. PostgreSQL checks the roles' passwords too (pg_hba md5 for the fixture's
 * password group), so the pooler's server logins pass the md5 secret or the client's SCRAM keys
 * through; in transaction mode two transactions at once make it open a second server connection.
 */
@ExtendWith(PostgresExtension.class)
class AuthQueryIT {
    private static final String QUERY = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END"
            + " FROM pg_authid WHERE rolname=$1 AND rolcanlogin";

    @Test
    void rolesOnlyThePostgresKnowsLogIn(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_scram, aq_md5, aq_nologin, aq_expired");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_scram LOGIN PASSWORD 'scram-secret'");
            s.execute("CREATE ROLE aq_nologin NOLOGIN PASSWORD 'nologin-secret'");
            s.execute("CREATE ROLE aq_expired LOGIN PASSWORD 'expired-secret' VALID UNTIL '2001-01-01'");
            s.execute("SET password_encryption = 'md5'");
            s.execute("CREATE ROLE aq_md5 LOGIN PASSWORD 'md5-secret'");
            s.execute("GRANT ALL ON DATABASE testdb TO aq_scram, aq_md5");
            // PostgreSQL checks their passwords too: the pooler's server logins pass the secret through.
            s.execute("GRANT " + PostgresServer.PASSWORD_GROUP + " TO aq_scram, aq_md5");
        }
        // PostgreSQL itself checks these roles' passwords, so the pooler cannot get in without them.
        SQLException direct = assertThrows(SQLException.class, () -> postgres.connect("testdb", "aq_scram", "wrong").close());
        assertEquals("28P01", direct.getSQLState());
        int port = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                auth_query = "%s"
                auth_query_user = "postgres"
                auth_query_password = "unused"
                auth_query_cache_ttl = 0

                [pools.testdb]
                pool_mode = "transaction"
                auth_query_pool_size = 2

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, QUERY, postgres.host(), postgres.port());
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq.toml"), Map.of()))) {
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
            assertEquals("aq_scram", currentUser(url, "aq_scram", "scram-secret"));
            for (String[] user : new String[][]{{"aq_scram", "scram-secret"}, {"aq_md5", "md5-secret"}}) {
                Properties p = props(user[0], user[1]);
                try (Connection a = DriverManager.getConnection(url, p); Connection b = DriverManager.getConnection(url, p)) {
                    a.setAutoCommit(false);
                    b.setAutoCommit(false);
                    int pidA = pid(a);
                    int pidB = pid(b);
                    assertNotEquals(pidA, pidB, "two transactions at once hold two server connections");
                    a.commit();
                    b.commit();
                }
            }
            assertEquals("aq_md5", currentUser(url, "aq_md5", "md5-secret"));
            assertEquals("md5user", currentUser(url, "md5user", "md5pass"));
            for (String[] bad : new String[][]{{"aq_scram", "wrong"}, {"aq_md5", "wrong"}, {"aq_nobody", "x"},
                    {"aq_nologin", "nologin-secret"}, {"aq_expired", "expired-secret"}}) {
                SQLException e = assertThrows(SQLException.class, () -> currentUser(url, bad[0], bad[1]), bad[0]);
                assertEquals("28P01", e.getSQLState(), bad[0] + ": " + e.getMessage());
                assertEquals("FATAL: password authentication failed for user \"" + bad[0] + "\"", e.getMessage().strip());
            }
            // auth_query_cache_ttl = 0: a changed password counts at the next login.
            postgres.connect("postgres", PostgresServer.SUPERUSER, null).createStatement()
                    .execute("SET password_encryption = 'scram-sha-256'; ALTER ROLE aq_md5 PASSWORD 'changed-secret'");
            assertEquals("28P01", assertThrows(SQLException.class, () -> currentUser(url, "aq_md5", "md5-secret")).getSQLState());
            assertEquals("aq_md5", currentUser(url, "aq_md5", "changed-secret"));
        }
    }

    @Test
    void aWrongAuthQueryUserPasswordIsA28P01ForTheClient(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_auth, aq_victim");
            s.execute("CREATE ROLE aq_auth LOGIN SUPERUSER PASSWORD 'auth-secret' IN ROLE " + PostgresServer.PASSWORD_GROUP);
            s.execute("CREATE ROLE aq_victim LOGIN PASSWORD 'victim-secret'");
        }
        int port = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"

                [pools.testdb]
                auth_query = "%s"
                auth_query_user = "aq_auth"
                auth_query_password = "not-the-password"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, QUERY, postgres.host(), postgres.port());
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq.toml"), Map.of()))) {
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
            SQLException e = assertThrows(SQLException.class, () -> currentUser(url, "aq_victim", "victim-secret"));
            assertEquals("28P01", e.getSQLState());
            assertEquals("FATAL: password authentication failed for user \"aq_victim\"", e.getMessage().strip());
        }
    }

    /**
     * A user only auth_query knows has a pool once it logged in, and the admin console and
     * /metrics show it like a configured user's: SHOW POOLS/USERS/CLIENTS/SERVERS/STATS list it,
     * the pgcat_* series carry its labels, PAUSE/RESUME db,user find its pool, and RECONNECT and
     * KILL db replace it as they replace a configured user's.
     */
    @Test
    void theConsoleAndTheMetricsSeeUsersOnlyAuthQueryKnows(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_seen");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_seen LOGIN PASSWORD 'seen-secret' IN ROLE " + PostgresServer.PASSWORD_GROUP);
            s.execute("GRANT ALL ON DATABASE testdb TO aq_seen");
        }
        int port = PoolerHarness.freePort();
        int httpPort = io.pgrudder.server.ops.OpsHarness.freeHttpPort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                enable_prometheus_exporter = true
                prometheus_exporter_port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                auth_query = "%s"
                auth_query_user = "postgres"
                auth_query_password = "unused"

                [pools.testdb]
                pool_mode = "transaction"
                auth_query_pool_size = 3

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, httpPort, QUERY, postgres.host(), postgres.port());
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq.toml"), Map.of()));
             Connection app = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb",
                     props("aq_seen", "seen-secret"));
             Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer",
                     adminProps())) {
            assertEquals("aq_seen", scalar(app, "SELECT current_user"));

            Map<String, String> pool = row(rows(admin, "SHOW POOLS"), "user", "aq_seen");
            assertEquals("testdb", pool.get("database"));
            assertEquals("transaction", pool.get("pool_mode"));
            assertEquals("1", String.valueOf(Integer.parseInt(pool.get("cl_idle")) + Integer.parseInt(pool.get("cl_active"))),
                    "the client above: " + pool);
            assertEquals("transaction", row(rows(admin, "SHOW USERS"), "name", "aq_seen").get("pool_mode"));
            assertEquals("md5user", row(rows(admin, "SHOW USERS"), "name", "md5user").get("name"), "configured users stay");
            assertEquals("testdb", row(rows(admin, "SHOW CLIENTS"), "user", "aq_seen").get("database"));
            assertEquals("testdb", row(rows(admin, "SHOW SERVERS"), "user", "aq_seen").get("database_name"));
            assertEquals("testdb", row(rows(admin, "SHOW STATS"), "user", "aq_seen").get("database"));
            assertEquals("3", row(rows(admin, "SHOW DATABASES"), "force_user", "aq_seen").get("pool_size"),
                    "auth_query_pool_size");

            try (Statement st = admin.createStatement()) {
                st.execute("PAUSE testdb,aq_seen");
                st.execute("RESUME testdb,aq_seen");
            }
            assertEquals("aq_seen", scalar(app, "SELECT current_user"), "resumed");

            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            sample(metrics, "pgcat_pools_cl_idle", "user=\"aq_seen\"");
            sample(metrics, "pgcat_pools_sv_idle", "user=\"aq_seen\"");
            assertEquals("3", sample(metrics, "pgcat_databases_pool_size", "username=\"aq_seen\""), metrics);
            sample(metrics, "pgcat_stats_total_query_count", "username=\"aq_seen\"");
            sample(metrics, "pgcat_servers_idle_count", "username=\"aq_seen\"");

            int before = pid(app);
            assertEquals(before, pid(app), "between transactions the pool hands back the same server connection");
            try (Statement st = admin.createStatement()) {
                st.execute("RECONNECT testdb");
                st.execute("WAIT_CLOSE testdb");
            }
            assertNotEquals(before, pid(app), "RECONNECT replaced its pool too");
            try (Statement st = admin.createStatement()) {
                st.execute("KILL testdb");
            }
            SQLException killed = assertThrows(SQLException.class, () -> pid(app));
            assertEquals("57P01", killed.getSQLState(), killed.getMessage());
        }
    }

    /**
     * Whether a user exists must not show in the exchange: a role auth_query finds, one it does not
     * and one whose secret auth_query returns in plaintext all get the SCRAM-SHA-256 offer, a
     * server-first-message of the same shape whose salt is the same at every attempt (PostgreSQL's
     * "mock authentication" for a role that does not exist), and, for a wrong proof, the same
     * FATAL 28P01 with nothing but the user name differing.
     */
    @Test
    void anUnknownUserGetsTheChallengeAndTheErrorAnExistingOneGets(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_real");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_real LOGIN PASSWORD 'real-secret'");
        }
        int port = PoolerHarness.freePort();
        String toml = """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                auth_query_user = "postgres"
                auth_query_password = "unused"

                [pools.testdb]
                auth_query = "%s"

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 1

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]

                [pools.plaindb]
                auth_query = "SELECT rolname, 'plain-' || rolname FROM pg_roles WHERE rolname = $1"

                [pools.plaindb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 1

                [pools.plaindb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, QUERY, postgres.host(), postgres.port(), postgres.host(), postgres.port());
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq.toml"), Map.of()))) {
            ScramAttempt real = scramAttempt(port, "testdb", "aq_real");
            assertEquals(real, scramAttempt(port, "testdb", "aq_real"), "PostgreSQL's secret: the same salt every time");
            ScramAttempt ghost = scramAttempt(port, "testdb", "aq_ghost");
            assertEquals(ghost, scramAttempt(port, "testdb", "aq_ghost"), "a stable mock salt, as PostgreSQL's");
            ScramAttempt plain = scramAttempt(port, "plaindb", "aq_real");
            assertEquals(plain, scramAttempt(port, "plaindb", "aq_real"), "a plaintext secret gets a stable salt too");
            for (ScramAttempt other : List.of(ghost, plain)) {
                assertEquals(real.mechanisms(), other.mechanisms());
                assertEquals(real.saltBytes(), other.saltBytes());
                assertEquals(real.iterations(), other.iterations());
                assertEquals(real.serverNonceLength(), other.serverNonceLength());
            }
            assertNotEquals(real.salt(), ghost.salt());
            assertEquals(Map.of('S', "FATAL", 'V', "FATAL", 'C', "28P01", 'M', "password authentication failed for user \"aq_real\""),
                    real.error());
            assertEquals(Map.of('S', "FATAL", 'V', "FATAL", 'C', "28P01", 'M', "password authentication failed for user \"aq_ghost\""),
                    ghost.error());
            assertEquals(real.error(), plain.error());
            // And the right password still gets in where the secret is PostgreSQL's.
            assertEquals("aq_real", currentUser("jdbc:postgresql://127.0.0.1:" + port + "/testdb", "aq_real", "real-secret"));
        }
    }

    /**
     * PAUSE db holds a user whose first login comes during the pause, though its pool did not exist
     * when PAUSE ran: the new pool starts paused, and RESUME lets its query run.
     */
    @Test
    void aUserWhoseFirstLoginComesDuringAPauseWaitsForTheResume(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_late");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_late LOGIN PASSWORD 'late-secret' IN ROLE " + PostgresServer.PASSWORD_GROUP);
            s.execute("GRANT ALL ON DATABASE testdb TO aq_late");
        }
        int port = PoolerHarness.freePort();
        String toml = testdbToml(port, postgres, "auth_query = \"" + QUERY + "\"", "pool_mode = \"transaction\"", 2);
        try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq-pause.toml"), Map.of()));
             Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer",
                     adminProps());
             Statement a = admin.createStatement()) {
            a.execute("PAUSE testdb");
            java.util.concurrent.CompletableFuture<String> late = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (Connection app = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/testdb",
                        props("aq_late", "late-secret"))) {
                    return scalar(app, "SELECT current_user");
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
            while (rows(admin, "SHOW POOLS").stream().noneMatch(r -> "aq_late".equals(r.get("user"))
                    && !"0".equals(r.get("cl_waiting")))) {
                assertTrue(java.time.Instant.now().isBefore(deadline), "the late user's query waits in its new pool");
                Thread.sleep(20);
            }
            assertFalse(late.isDone(), "nothing runs while the database is paused");
            a.execute("RESUME testdb");
            assertEquals("aq_late", late.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    /**
     * Replicas (or one pooler before and after a restart) with the same auth_mock_secret show an
     * unknown name the same mock salt, as a real role's stays the same on all of them; without it
     * each process has its own, which tells the two apart.
     */
    @Test
    void replicasWithTheSameAuthMockSecretShowAnUnknownNameTheSameSalt(PostgresServer postgres) throws Exception {
        String secret = "auth_mock_secret = \"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"";
        List<Integer> ports = List.of(PoolerHarness.freePort(), PoolerHarness.freePort(), PoolerHarness.freePort());
        List<PgrudderServer> poolers = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                String toml = testdbToml(ports.get(i), postgres, i < 2 ? secret : "", "auth_query = \"" + QUERY + "\"", 1);
                poolers.add(PgrudderServer.start(ConfigLoader.parse(toml, Path.of("aq-mock.toml"), Map.of())));
            }
            ScramAttempt first = scramAttempt(ports.get(0), "testdb", "aq_nobody");
            ScramAttempt second = scramAttempt(ports.get(1), "testdb", "aq_nobody");
            ScramAttempt own = scramAttempt(ports.get(2), "testdb", "aq_nobody");
            assertEquals(first.salt(), second.salt(), "the same secret, the same mock salt on every replica");
            assertNotEquals(first.salt(), own.salt(), "without it, a process of its own");
            assertNotEquals(first.salt(), scramAttempt(ports.get(0), "testdb", "aq_someone_else").salt(),
                    "a salt per name, as PostgreSQL's");
        } finally {
            poolers.forEach(PgrudderServer::close);
        }
    }

    /**
     * auth_query_cache_ttl keeps an answer (a changed password does not count yet), and a RELOAD
     * forgets it: one that changes auth_query, one that removes it (the user is then unknown, its
     * pool gone), and one that brings back settings equal to those of an earlier answer, which
     * must not come back with them.
     */
    @Test
    void aReloadForgetsCachedSecrets(PostgresServer postgres) throws Exception {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("DROP ROLE IF EXISTS aq_cached");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_cached LOGIN PASSWORD 'first-secret' IN ROLE " + PostgresServer.PASSWORD_GROUP);
            s.execute("GRANT ALL ON DATABASE testdb TO aq_cached");
        }
        int port = PoolerHarness.freePort();
        String other = "SELECT rolname, rolpassword FROM pg_catalog.pg_authid WHERE rolname = $1 AND rolcanlogin";
        Path file = java.nio.file.Files.createTempFile("pgrudder-aq", ".toml");
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/testdb";
        try {
            java.nio.file.Files.writeString(file, reloadToml(port, postgres, "auth_query = \"" + QUERY + "\""));
            try (PgrudderServer pooler = PgrudderServer.start(ConfigLoader.load(file, Map.of()));
                 Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer",
                         adminProps())) {
                assertEquals("aq_cached", currentUser(url, "aq_cached", "first-secret"));
                alterPassword(postgres, "second-secret");
                // Within auth_query_cache_ttl the answer of before the change is what the client is checked against.
                assertTrue(authenticates(port, "first-secret"));
                assertFalse(authenticates(port, "second-secret"));

                java.nio.file.Files.writeString(file, reloadToml(port, postgres, "auth_query = \"" + other + "\""));
                reload(admin);
                assertFalse(authenticates(port, "first-secret"));
                assertEquals("aq_cached", currentUser(url, "aq_cached", "second-secret"));

                java.nio.file.Files.writeString(file, reloadToml(port, postgres, ""));
                reload(admin);
                assertFalse(authenticates(port, "second-secret"));
                assertTrue(rows(admin, "SHOW POOLS").stream().noneMatch(r -> "aq_cached".equals(r.get("user"))),
                        "its pool went with the auth_query");

                alterPassword(postgres, "third-secret");
                java.nio.file.Files.writeString(file, reloadToml(port, postgres, "auth_query = \"" + other + "\""));
                reload(admin);
                // The same settings as when second-secret was cached: that answer did not survive.
                assertFalse(authenticates(port, "second-secret"));
                assertEquals("aq_cached", currentUser(url, "aq_cached", "third-secret"));
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    private static String reloadToml(int port, PostgresServer postgres, String authQuery) {
        return """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                auth_query_user = "postgres"
                auth_query_password = "unused"
                auth_query_cache_ttl = 3600000

                [pools.testdb]
                pool_mode = "transaction"
                %s

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = 2

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, authQuery, postgres.host(), postgres.port());
    }

    private static void alterPassword(PostgresServer postgres, String password) throws SQLException {
        try (Connection su = postgres.connect("postgres", PostgresServer.SUPERUSER, null); Statement s = su.createStatement()) {
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("ALTER ROLE aq_cached PASSWORD '" + password + "'");
        }
    }

    /**
     * Whether the pooler accepts {@code password} for aq_cached: AuthenticationOk, or FATAL 28P01.
     * Only the client's authentication: no server connection is needed for it.
     */
    private static boolean authenticates(int port, String password) throws Exception {
        try (WireClient c = new WireClient(port)) {
            c.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "aq_cached", "database", "testdb"))::encode);
            BackendMessage challenge = c.read();
            if (challenge instanceof AuthenticationMD5Password md5) {
                c.send(new PasswordMessage(Md5Password.clientResponse("aq_cached", password, md5.salt()))::encode);
            } else if (challenge instanceof AuthenticationSASL) {
                ScramClient scram = new ScramClient(password);
                c.send(new SASLInitialResponse(ScramClient.MECHANISM, scram.clientFirstMessage())::encode);
                AuthenticationSASLContinue serverFirst = (AuthenticationSASLContinue) c.read();
                c.send(new SASLResponse(scram.handleServerFirst(serverFirst.data()))::encode);
            } else {
                throw new AssertionError("unexpected " + challenge);
            }
            BackendMessage answer = c.read();
            if (answer instanceof AuthenticationSASLFinal) {
                answer = c.read();
            }
            if (answer instanceof ErrorResponse e) {
                assertEquals("28P01", e.fields().get('C'), e.toString());
                return false;
            }
            assertEquals(AuthenticationOk.INSTANCE, answer);
            return true;
        }
    }

    private static void reload(Connection admin) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("RELOAD");
        }
    }

    /** What a client sees of one SCRAM login with a wrong password, minus the nonces themselves. */
    private record ScramAttempt(List<String> mechanisms, String salt, int saltBytes, String iterations,
                                int serverNonceLength, Map<Character, String> error) {
    }

    /**
     * A pooler on {@code port} with pool testdb (md5user, {@code poolSize} connections) over
     * {@code postgres}, auth_query's user and password set; {@code general} and {@code pool} add
     * keys to [general] and [pools.testdb].
     */
    private static String testdbToml(int port, PostgresServer postgres, String general, String pool, int poolSize) {
        return """
                [general]
                host = "127.0.0.1"
                port = %d
                admin_username = "admin"
                admin_password = "admin-secret"
                auth_query_user = "postgres"
                auth_query_password = "unused"
                %s

                [pools.testdb]
                %s

                [pools.testdb.users.0]
                username = "md5user"
                password = "md5pass"
                pool_size = %d

                [pools.testdb.shards.0]
                database = "testdb"
                servers = [["%s", %d, "primary"]]
                """.formatted(port, general, pool, poolSize, postgres.host(), postgres.port());
    }

    private static ScramAttempt scramAttempt(int port, String database, String user) throws Exception {
        try (WireClient c = new WireClient(port)) {
            c.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", user, "database", database))::encode);
            BackendMessage offer = c.read();
            if (!(offer instanceof AuthenticationSASL sasl)) {
                throw new AssertionError(user + "@" + database + ": expected AuthenticationSASL, got " + offer);
            }
            ScramClient scram = new ScramClient("not-the-password");
            byte[] clientFirst = scram.clientFirstMessage();
            String clientNonce = new String(clientFirst, StandardCharsets.UTF_8).split(",r=", 2)[1];
            c.send(new SASLInitialResponse(ScramClient.MECHANISM, clientFirst)::encode);
            BackendMessage next = c.read();
            if (!(next instanceof AuthenticationSASLContinue serverFirst)) {
                throw new AssertionError(user + "@" + database + ": expected AuthenticationSASLContinue, got " + next);
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String a : new String(serverFirst.data(), StandardCharsets.UTF_8).split(",")) {
                attributes.put(a.substring(0, 1), a.substring(2));
            }
            assertEquals(List.of("r", "s", "i"), List.copyOf(attributes.keySet()));
            c.send(new SASLResponse(scram.handleServerFirst(serverFirst.data()))::encode);
            BackendMessage last = c.read();
            if (!(last instanceof ErrorResponse error)) {
                throw new AssertionError(user + "@" + database + ": expected ErrorResponse, got " + last);
            }
            assertTrue(c.closedByServer());
            return new ScramAttempt(sasl.mechanisms(), attributes.get("s"), Base64.getDecoder().decode(attributes.get("s")).length,
                    attributes.get("i"), attributes.get("r").length() - clientNonce.length(), Map.copyOf(error.fields()));
        }
    }

    private static Properties adminProps() {
        Properties p = props("admin", "admin-secret");
        p.setProperty("preferQueryMode", "simple");
        return p;
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<Map<String, String>> rows(Connection c, String sql) throws SQLException {
        List<Map<String, String>> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static Map<String, String> row(List<Map<String, String>> rows, String column, String value) {
        return rows.stream().filter(r -> value.equals(r.get(column))).findFirst()
                .orElseThrow(() -> new AssertionError("no row with " + column + " = " + value + " in " + rows));
    }

    /** The value of the one sample of {@code family} whose labels contain {@code label}. */
    private static String sample(String metrics, String family, String label) {
        List<String> found = metrics.lines().filter(l -> l.startsWith(family + "{") && l.contains(label)).toList();
        assertEquals(1, found.size(), family + " with " + label + ": " + found);
        String v = found.get(0).substring(found.get(0).lastIndexOf(' ') + 1);
        return v.endsWith(".0") ? v.substring(0, v.length() - 2) : v;
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Properties props(String user, String password) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("sslmode", "disable");
        return p;
    }

    private static String currentUser(String url, String user, String password) throws SQLException {
        Properties p = props(user, password);
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
