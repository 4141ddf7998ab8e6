package io.pgrudder.core.client;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientConnectionsTest {
    @Test
    void countsFromAcceptToCloseAndRefusesOneOverTheLimit() {
        ClientConnections clients = new ClientConnections();
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        EmbeddedChannel c = new EmbeddedChannel();
        assertTrue(clients.admit(a, 2));
        assertTrue(clients.admit(b, 2));
        assertFalse(clients.admit(c, 2));
        assertEquals(2, clients.open());

        c.close(); // a refused connection was never counted, so its close does not uncount
        assertEquals(2, clients.open());
        a.close();
        assertEquals(1, clients.open());
        EmbeddedChannel d = new EmbeddedChannel();
        assertTrue(clients.admit(d, 2));
        assertEquals(2, clients.open());
        b.close();
        d.close();
        assertEquals(0, clients.open());
        for (EmbeddedChannel ch : new EmbeddedChannel[]{a, b, c, d}) {
            assertFalse(ch.finish());
        }
    }
}
