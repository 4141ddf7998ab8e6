package io.pgrudder.core.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs the first time a pool pins a client for each reason, once per process: pinning is how
 * transaction mode keeps an app working, and an operator should learn that a pool does it (its
 * clients then hold connections as in session mode) without a line per client.
 */
final class PinNotices {
    private static final Logger log = LoggerFactory.getLogger(PinNotices.class);
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    private PinNotices() {
    }

    static void first(String pool, Set<Pin> pins) {
        for (Pin pin : pins) {
            if (SEEN.add(pool + '\0' + pin.name())) {
                log.info("pool {}: a client holds {} and keeps its server connection between transactions until it "
                        + "no longer does (logged once per pool and reason; SHOW CLIENTS column pinned)", pool, pin.label());
            }
        }
    }
}
