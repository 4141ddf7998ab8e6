package io.pgrudder.core;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PoolerTopologyTest {

    private static String pool(String name, String servers, String extra) {
        return """
                [pools.%s]
                use_patroni_api = true
                %s
                [pools.%s.users.0]
                username = "app"
                password = "app"
                pool_size = 2
                [pools.%s.shards.0]
                database = "app"
                servers = [%s]
                """.formatted(name, extra, name, name, servers);
    }

    @Test
    void poolsOnOneClusterShareOnePollerWhateverTheirRoutingSettings() throws Exception {
        String cluster = "[\"10.0.0.1\", 5432, \"primary\"], [\"10.0.0.2\", 5432, \"replica\"]";
        String sameHostsOtherRoles = "[\"10.0.0.1\", 5432, \"replica\"], [\"10.0.0.2\", 5432, \"primary\"]";
        String other = "[\"10.0.1.1\", 5432, \"primary\"]";
        String toml = "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\n"
                + pool("writes", cluster, "")
                + pool("reads", sameHostsOtherRoles, "default_role = \"replica\"\nmax_replica_lag = 1000\nleader_wait_timeout = 5000")
                + pool("elsewhere", other, "")
                + pool("slower", cluster, "patroni_poll_interval = 5000");
        PoolerConfig config = ConfigLoader.parse(toml, Path.of("t.toml"), Map.of());
        List<String> made = new ArrayList<>();
        EventLoopGroup loops = new DefaultEventLoopGroup(1);
        Pooler pooler = new Pooler(config, loops, null, (PoolConfig pool) -> {
            made.add(pool.name());
            return new Still();
        });
        try {
            assertEquals(3, made.size(), "writes and reads share one; elsewhere and slower poll on their own: " + made);
            assertEquals(4, pooler.topologies().size(), "every Patroni pool still shows its cluster");
        } finally {
            pooler.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** A source that never changes. */
    private static final class Still implements TopologySource {
        private final Topology topology = Topology.initial("demo", Instant.now());

        @Override
        public Topology current() {
            return topology;
        }

        @Override
        public Runnable subscribe(Consumer<Topology> listener) {
            listener.accept(topology);
            return () -> { };
        }

        @Override
        public void pollNow() {
        }

        @Override
        public void close() {
        }
    }
}
