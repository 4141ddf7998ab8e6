package io.pgrudder.core.stats;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientMeterIdleTest {

    @Test
    void aClientIsIdleFromWhenItLetGoOfItsServerNotFromWhenItConnected() throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel();
        Stats stats = new Stats();
        ClientMeter meter = stats.clientConnected(channel, "db", "user", null);
        meter.waiting(); // the login waits for a server
        Thread.sleep(120);
        assertFalse(meter.terminateIfIdle(TimeUnit.MILLISECONDS.toNanos(60)), "waiting is not idle");
        meter.released(); // logged in, the server goes back
        assertFalse(meter.terminateIfIdle(TimeUnit.MILLISECONDS.toNanos(60)),
                "just logged in: a drain must not take it for idle since it connected");
        Thread.sleep(120);
        assertTrue(meter.terminateIfIdle(TimeUnit.MILLISECONDS.toNanos(60)), "idle for longer now");
        channel.runPendingTasks();
        channel.finishAndReleaseAll();
    }
}
