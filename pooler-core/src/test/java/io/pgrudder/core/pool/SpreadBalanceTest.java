package io.pgrudder.core.pool;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpreadBalanceTest {
    private static final ServerAddress R1 = new ServerAddress("r1", 5432, Role.REPLICA);
    private static final ServerAddress R2 = new ServerAddress("r2", 5432, Role.REPLICA);

    /** A connection, as far as balancing cares: where it goes. */
    private record Conn(String name, ServerAddress to) {
    }

    private static final Function<Conn, ServerAddress> TO = Conn::to;

    @Test
    void aReplicaThatJoinsAgainGetsItsShareFromTheIdleConnectionsOfTheOthers() {
        SpreadBalance balance = new SpreadBalance();
        List<Conn> idle = List.of(new Conn("a", R1), new Conn("b", R1), new Conn("c", R1));
        List<Conn> busy = List.of(new Conn("d", R1));
        assertEquals(List.of(), balance.toClose(List.of(R1), idle, busy, TO), "one server: nothing to even out");
        List<Conn> close = balance.toClose(List.of(R1, R2), idle, busy, TO);
        assertEquals(List.of(new Conn("a", R1), new Conn("b", R1)), close, "4 connections, 2 each: two idle ones go");
    }

    @Test
    void onlyAJoinTriggersIt() {
        SpreadBalance balance = new SpreadBalance();
        List<Conn> idle = List.of(new Conn("a", R1), new Conn("b", R1));
        balance.toClose(List.of(R1, R2), List.of(), List.of(), TO);
        assertEquals(List.of(), balance.toClose(List.of(R1, R2), idle, List.of(), TO),
                "no server joined since last time: round robin is left to even out");
    }

    @Test
    void busyConnectionsAreNeverChosen() {
        SpreadBalance balance = new SpreadBalance();
        balance.toClose(List.of(R1), List.of(), List.of(), TO);
        List<Conn> busy = List.of(new Conn("a", R1), new Conn("b", R1), new Conn("c", R1));
        assertEquals(List.of(), balance.toClose(List.of(R1, R2), List.of(), busy, TO));
    }
}
