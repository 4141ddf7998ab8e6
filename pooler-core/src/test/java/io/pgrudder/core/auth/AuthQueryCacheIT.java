package io.pgrudder.core.auth;

import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.backend.ServerTls;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.net.Transport;
import io.pgrudder.core.routing.FixedServer;
import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * auth_query_cache_ttl against a real PostgreSQL, on a clock the test moves: a found secret is
 * answered from the cache until the TTL is up and queried again from then on; "no such user" is
 * kept for at most 5 s (or the TTL when shorter); 0 queries at every lookup; a reload empties it.
 */
@ExtendWith(PostgresExtension.class)
class AuthQueryCacheIT {
    private static final String QUERY = "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = $1 AND rolcanlogin";

    private final AtomicLong now = new AtomicLong();
    private PostgresServer postgres;
    private EventLoopGroup loops;
    private AuthQuery authQuery;

    @BeforeEach
    void start(PostgresServer postgres) {
        this.postgres = postgres;
        postgres.execute("DROP ROLE IF EXISTS aq_ttl, aq_later");
        loops = Transport.newGroup(1, "auth-query-cache-it");
        authQuery = new AuthQuery(new ServerConnector(1 << 20), loops, now::get);
    }

    @AfterEach
    void stop() {
        authQuery.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        postgres.execute("DROP ROLE IF EXISTS aq_ttl, aq_later");
    }

    @Test
    void aFoundSecretIsAnsweredFromTheCacheUntilTheTtlIsUp() throws Exception {
        AuthQuerySettings settings = settings(Duration.ofSeconds(30));
        postgres.execute("CREATE ROLE aq_ttl LOGIN PASSWORD 'one'");
        String first = secret(settings, "aq_ttl");
        assertNotNull(first);
        postgres.execute("ALTER ROLE aq_ttl PASSWORD 'two'");

        now.set(Duration.ofSeconds(30).toNanos() - 1);
        assertEquals(first, secret(settings, "aq_ttl"), "within the TTL: the cached answer");
        now.set(Duration.ofSeconds(30).toNanos());
        String second = secret(settings, "aq_ttl");
        assertNotEquals(first, second, "the TTL is up: asked again, and PostgreSQL has the new secret");

        postgres.execute("ALTER ROLE aq_ttl PASSWORD 'three'");
        now.addAndGet(Duration.ofSeconds(30).toNanos() - 1);
        assertEquals(second, secret(settings, "aq_ttl"), "the new answer has a TTL of its own");
        authQuery.configChanged(Set.of("testdb"));
        assertNotEquals(second, secret(settings, "aq_ttl"), "a reload empties the cache");
    }

    @Test
    void noSuchUserIsKeptForAtMostFiveSeconds() throws Exception {
        AuthQuerySettings settings = settings(Duration.ofSeconds(30));
        assertNull(secret(settings, "aq_later"));
        postgres.execute("CREATE ROLE aq_later LOGIN PASSWORD 'later'");
        now.set(AuthQuery.NEGATIVE_TTL.toNanos() - 1);
        assertNull(secret(settings, "aq_later"), "still the cached 'no such user'");
        now.set(AuthQuery.NEGATIVE_TTL.toNanos());
        assertNotNull(secret(settings, "aq_later"), "5 s on: the role created since is found");
    }

    @Test
    void aTtlShorterThanFiveSecondsBoundsNoSuchUserToo() throws Exception {
        AuthQuerySettings settings = settings(Duration.ofSeconds(2));
        assertNull(secret(settings, "aq_later"));
        postgres.execute("CREATE ROLE aq_later LOGIN PASSWORD 'later'");
        now.set(Duration.ofSeconds(2).toNanos() - 1);
        assertNull(secret(settings, "aq_later"));
        now.set(Duration.ofSeconds(2).toNanos());
        assertNotNull(secret(settings, "aq_later"));
    }

    @Test
    void aTtlOfZeroQueriesAtEveryLookup() throws Exception {
        AuthQuerySettings settings = settings(Duration.ZERO);
        postgres.execute("CREATE ROLE aq_ttl LOGIN PASSWORD 'one'");
        String first = secret(settings, "aq_ttl");
        postgres.execute("ALTER ROLE aq_ttl PASSWORD 'two'");
        assertNotEquals(first, secret(settings, "aq_ttl"), "the clock did not move, and the change counts");
        assertEquals(0, authQuery.cached());
    }

    /**
     * A lookup that was running when the reload came answers the client that asked for it, but
     * its answer (read before the reload) is neither handed to lookups that start after the reload
     * nor cached for them. The query waits on an advisory lock the test holds, so the reload
     * certainly comes while it runs; its snapshot was taken before the ALTER ROLE.
     */
    @Test
    void aLookupRunningAcrossAReloadDoesNotAnswerForAfterIt() throws Exception {
        String waiting = "WITH held AS (SELECT pg_advisory_xact_lock_shared(4711))"
                + " SELECT rolname, rolpassword FROM pg_authid, held WHERE rolname = $1 AND rolcanlogin";
        AuthQuerySettings settings = new AuthQuerySettings("testdb", waiting, PostgresServer.SUPERUSER, "unused",
                PostgresServer.TEST_DATABASE, Duration.ofSeconds(30), ServerTls.DISABLED, Duration.ofSeconds(30));
        postgres.execute("CREATE ROLE aq_ttl LOGIN PASSWORD 'one'");
        String before;
        try (java.sql.Connection c = postgres.connect(PostgresServer.TEST_DATABASE, PostgresServer.SUPERUSER, null);
             java.sql.Statement st = c.createStatement()) {
            st.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'aq_ttl'");
            try (java.sql.ResultSet rs = st.getResultSet()) {
                rs.next();
                before = rs.getString(1);
            }
            st.execute("SELECT pg_advisory_lock(4711)");
            io.netty.util.concurrent.Future<AuthQueryResult> running = authQuery.lookup(settings, target(), "aq_ttl");
            awaitWaitingOnLock();
            postgres.execute("ALTER ROLE aq_ttl PASSWORD 'two'");
            authQuery.configChanged(Set.of("testdb"));
            io.netty.util.concurrent.Future<AuthQueryResult> after = authQuery.lookup(settings, target(), "aq_ttl");
            st.execute("SELECT pg_advisory_unlock(4711)");
            assertEquals(before, running.get(15, TimeUnit.SECONDS).secret(), "read before the ALTER ROLE");
            String fresh = after.get(15, TimeUnit.SECONDS).secret();
            assertNotEquals(before, fresh, "a lookup begun after the reload does not share the one begun before");
            assertEquals(fresh, authQuery.lookup(settings, target(), "aq_ttl").get(15, TimeUnit.SECONDS).secret(),
                    "nor did the one begun before leave its answer in the cache");
        }
    }

    /** Until the auth_query connection's query waits for the advisory lock (polled, bounded). */
    private void awaitWaitingOnLock() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try (java.sql.Connection c = postgres.connect(PostgresServer.TEST_DATABASE, PostgresServer.SUPERUSER, null);
             java.sql.PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE application_name = ? AND wait_event_type = 'Lock'")) {
            st.setString(1, AuthQueryConnection.APPLICATION_NAME);
            while (true) {
                try (java.sql.ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the auth_query never waited for the advisory lock");
                }
                Thread.onSpinWait();
            }
        }
    }

    private FixedServer target() {
        return new FixedServer(new ServerAddress(postgres.host(), postgres.port(), Role.PRIMARY));
    }

    private AuthQuerySettings settings(Duration ttl) {
        return new AuthQuerySettings("testdb", QUERY, PostgresServer.SUPERUSER, "unused", PostgresServer.TEST_DATABASE,
                Duration.ofSeconds(10), ServerTls.DISABLED, ttl);
    }

    private String secret(AuthQuerySettings settings, String user) throws Exception {
        AuthQueryResult result = authQuery.lookup(settings, target(), user).get(15, TimeUnit.SECONDS);
        assertEquals(true, result.definite(), result.toString());
        return result.secret();
    }
}
