package io.pgrudder.core.pool;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.backend.TestServerConnections;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The janitor's decisions on a frozen clock: idle_timeout down to min_pool_size, server_lifetime, warming. */
class PoolJanitorTest {
    private final ServerLists lists = new ServerLists();
    private final List<ServerConnection> closed = new ArrayList<>();
    private int opened;
    private long now = System.nanoTime();

    private PoolJanitor janitor(String userSettings) throws Exception {
        PoolerConfig config = ConfigLoader.parse("""
                [general]
                admin_username = "admin"
                admin_password = "x"
                idle_timeout = 60000
                server_lifetime = 3600000

                [pools.db]
                [pools.db.users.0]
                username = "u"
                password = "p"
                pool_size = 5
                %s

                [pools.db.shards.0]
                database = "db"
                servers = [["127.0.0.1", 1, "primary"]]
                """.formatted(userSettings), Path.of("janitor.toml"), Map.of());
        PoolConfig pool = config.pools().get("db");
        PoolSettings settings = PoolSettings.from(config.general(), pool, pool.users().get("0"));
        return new PoolJanitor(settings, new PoolJanitor.Owner() {
            @Override
            public ServerLists lists() {
                return lists;
            }

            @Override
            public int size() {
                return lists.size() + opened;
            }

            @Override
            public boolean usable(ServerConnection server) {
                return server.channel().isActive();
            }

            @Override
            public void close(ServerConnection server) {
                closed.add(server);
                lists.transition(server, ServerState.CLOSING);
            }

            @Override
            public boolean mayOpen() {
                return true;
            }

            @Override
            public boolean openSpare() {
                opened++;
                return true;
            }
        }, () -> now);
    }

    private ServerConnection idle() {
        ServerConnection s = TestServerConnections.embedded();
        s.touch();
        lists.transition(s, ServerState.IDLE);
        return s;
    }

    @Test
    void idleConnectionsPastIdleTimeoutCloseDownToMinPoolSize() throws Exception {
        PoolJanitor janitor = janitor("min_pool_size = 1");
        ServerConnection a = idle();
        ServerConnection b = idle();
        janitor.round();
        assertEquals(List.of(), closed, "not idle long enough");
        now += TimeUnit.SECONDS.toNanos(61);
        janitor.round();
        assertEquals(1, closed.size(), "one closes, one stays for min_pool_size: " + closed);
        assertTrue(closed.contains(a) || closed.contains(b));
        a.channel().close();
        b.channel().close();
    }

    @Test
    void aConnectionPastServerLifetimeIsExpiredAndClosedWhenIdle() throws Exception {
        PoolJanitor janitor = janitor("");
        ServerConnection a = idle();
        assertFalse(janitor.expired(a));
        now += TimeUnit.HOURS.toNanos(1) + TimeUnit.SECONDS.toNanos(1);
        assertTrue(janitor.expired(a));
        janitor.round();
        assertEquals(List.of(a), closed);
        a.channel().close();
    }

    @Test
    void minPoolSizeIsKeptWarm() throws Exception {
        janitor("min_pool_size = 3").round();
        assertEquals(3, opened);
    }
}
