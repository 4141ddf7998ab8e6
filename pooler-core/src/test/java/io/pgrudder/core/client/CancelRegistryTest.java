package io.pgrudder.core.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CancelRegistryTest {
    /** Records each forwarded cancel; the test decides when it is over. */
    private static final class Session implements CancelRegistry.Cancellable {
        final List<Runnable> forwarded = new ArrayList<>();

        @Override
        public void cancel(Runnable finished) {
            forwarded.add(finished);
        }
    }

    @Test
    void aSecondCancelWhileTheFirstIsInFlightIsDropped() {
        CancelRegistry registry = new CancelRegistry();
        Session session = new Session();
        CancelKey key = registry.register(session);

        assertTrue(registry.cancel(key));
        assertFalse(registry.cancel(key), "dropped: the first one is still being forwarded");
        assertFalse(registry.cancel(new CancelKey(key.processId(), key.secretKey())), "same key, new object");
        assertEquals(1, session.forwarded.size());

        session.forwarded.get(0).run();
        session.forwarded.get(0).run(); // finishing twice does not free a later cancel's slot
        assertTrue(registry.cancel(key), "once the first is over the next goes through");
        assertFalse(registry.cancel(key));
        assertEquals(2, session.forwarded.size());
    }

    @Test
    void keysAreLimitedOneByOne() {
        CancelRegistry registry = new CancelRegistry();
        Session a = new Session();
        Session b = new Session();
        CancelKey keyA = registry.register(a);
        CancelKey keyB = registry.register(b);
        assertTrue(registry.cancel(keyA));
        assertTrue(registry.cancel(keyB));
        assertEquals(1, a.forwarded.size());
        assertEquals(1, b.forwarded.size());
    }

    @Test
    void anUnknownKeyIsIgnored() {
        CancelRegistry registry = new CancelRegistry();
        assertFalse(registry.cancel(new CancelKey(1, new byte[]{1, 2, 3, 4})));
    }

    @Test
    void theCancelConnectionClosesWhenTheForwardedCancelIsOver() {
        CancelRegistry registry = new CancelRegistry();
        Session session = new Session();
        CancelKey key = registry.register(session);
        java.util.concurrent.atomic.AtomicInteger over = new java.util.concurrent.atomic.AtomicInteger();
        assertTrue(registry.cancel(key, over::incrementAndGet));
        assertEquals(0, over.get(), "not before the server acted");
        assertFalse(registry.cancel(key, over::incrementAndGet));
        assertEquals(1, over.get(), "a dropped cancel is over at once");
        session.forwarded.get(0).run();
        session.forwarded.get(0).run();
        assertEquals(2, over.get(), "once per cancel");
        assertFalse(registry.cancel(new CancelKey(1, new byte[]{9, 9, 9, 9}), over::incrementAndGet));
        assertEquals(3, over.get(), "an unknown key is over at once");
    }
}
