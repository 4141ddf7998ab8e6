package io.pgrudder.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Client sockets: the user timeout never ends keepalive probing before its own count is up. */
class TcpSettingsTest {

    private static TcpSettings settings(long idleSeconds, int count, long intervalSeconds, long userTimeoutMillis) {
        return new TcpSettings(Duration.ofSeconds(idleSeconds), count, Duration.ofSeconds(intervalSeconds),
                Duration.ofMillis(userTimeoutMillis));
    }

    @Test
    void pgcatsDefaultsGiveClientsThirtySecondsAndServersTen() {
        TcpSettings pgcat = settings(5, 5, 5, 10_000);
        assertEquals(Duration.ofSeconds(30), pgcat.forClients().userTimeout(), "5 s idle + 5 probes 5 s apart");
        assertEquals(Duration.ofSeconds(10), pgcat.userTimeout(), "server sockets keep tcp_user_timeout");
        assertEquals(pgcat.keepalivesIdle(), pgcat.forClients().keepalivesIdle());
    }

    @Test
    void aLongerUserTimeoutOrNoneOrNoKeepalivesStayAsTheyAre() {
        TcpSettings longer = settings(5, 5, 5, 60_000);
        assertSame(longer, longer.forClients());
        TcpSettings none = settings(5, 5, 5, 0);
        assertSame(none, none.forClients(), "0: the system's own, nothing to raise");
        TcpSettings noProbes = settings(5, 0, 5, 10_000);
        assertSame(noProbes, noProbes.forClients());
    }
}
