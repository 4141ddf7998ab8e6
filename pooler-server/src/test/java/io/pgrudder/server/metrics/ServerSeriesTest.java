package io.pgrudder.server.metrics;

import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.MemberRole;
import io.pgrudder.core.topology.PollResult;
import io.pgrudder.core.topology.Topology;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServerSeriesTest {
    private static final PoolConfig POOL = parse("""
            [general]
            admin_username = "admin"
            admin_password = "x"

            [pools.app.users.0]
            username = "u"
            password = "p"
            pool_size = 2

            [pools.app.shards.0]
            database = "app"
            servers = [["10.0.0.1", 5432, "primary"], ["10.0.0.2", 5432, "replica"], ["10.0.0.3", 5432, "replica"]]
            """);

    private static PoolConfig parse(String toml) {
        try {
            return ConfigLoader.parse(toml, Path.of("t.toml"), Map.of()).pools().get("app");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Member member(String name, String host, MemberRole role) {
        return new Member(name, host, 5432, role, "running", OptionalLong.empty(), 1, false, false, PollResult.OK);
    }

    private static Topology leader(String name) {
        List<Member> members = List.of(
                member("pg1", "10.0.0.1", name.equals("pg1") ? MemberRole.LEADER : MemberRole.REPLICA),
                member("pg2", "10.0.0.2", name.equals("pg2") ? MemberRole.LEADER : MemberRole.REPLICA),
                member("pg3", "10.0.0.3", name.equals("pg3") ? MemberRole.LEADER : MemberRole.REPLICA));
        return new Topology("demo", members, Optional.of(name), Instant.EPOCH, 1, false, 1);
    }

    @Test
    void withoutPatroniTheConfiguredRolesAndIndexes() {
        List<ServerSeries> s = ServerSeries.of(POOL, Optional.empty(), List.of());
        assertEquals(List.of(new ServerSeries("10.0.0.1", 5432, Role.PRIMARY, 0),
                new ServerSeries("10.0.0.2", 5432, Role.REPLICA, 1),
                new ServerSeries("10.0.0.3", 5432, Role.REPLICA, 2)), s);
    }

    @Test
    void afterAFailoverTheNewLeaderIsThePrimarySeriesAndKeepsItsIndex() {
        List<ServerSeries> s = ServerSeries.of(POOL, Optional.of(leader("pg2")), List.of());
        assertEquals(List.of(new ServerSeries("10.0.0.1", 5432, Role.REPLICA, 0),
                new ServerSeries("10.0.0.2", 5432, Role.PRIMARY, 1),
                new ServerSeries("10.0.0.3", 5432, Role.REPLICA, 2)), s);
    }

    @Test
    void noLeaderMeansNoPrimarySeries() {
        Topology t = leader("pg1");
        Topology none = new Topology("demo", t.members(), Optional.empty(), Instant.EPOCH, 1, false, 2);
        assertEquals(0, ServerSeries.of(POOL, Optional.of(none), List.of()).stream()
                .filter(x -> x.role() == Role.PRIMARY).count());
    }

    @Test
    void beforeTheFirstPollTheConfigIsUsed() {
        Topology initial = Topology.initial("demo", Instant.EPOCH);
        assertEquals(Role.PRIMARY, ServerSeries.of(POOL, Optional.of(initial), List.of()).get(0).role());
    }
}
