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

    private AuthQuerySettings settings(Duration ttl) {
        return new AuthQuerySettings("testdb", QUERY, PostgresServer.SUPERUSER, "unused", PostgresServer.TEST_DATABASE,
                Duration.ofSeconds(10), ServerTls.DISABLED, ttl);
    }

    private String secret(AuthQuerySettings settings, String user) throws Exception {
        FixedServer target = new FixedServer(new ServerAddress(postgres.host(), postgres.port(), Role.PRIMARY));
        AuthQueryResult result = authQuery.lookup(settings, target, user).get(15, TimeUnit.SECONDS);
        assertEquals(true, result.definite(), result.toString());
        return result.secret();
    }
}
