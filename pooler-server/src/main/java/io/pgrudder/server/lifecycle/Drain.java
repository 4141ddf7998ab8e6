package io.pgrudder.server.lifecycle;

import io.netty.channel.Channel;
import io.pgrudder.core.Pooler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A graceful shutdown (SIGTERM, SIGINT, admin SHUTDOWN). At once: not ready (so /readyz says 503
 * and the load balancer stops sending). The listener keeps accepting for
 * {@code shutdown_grace_period}, because endpoints take a few seconds to update, then closes.
 * Meanwhile transactions run to their end; a client is closed with FATAL 57P01 only once it has
 * sat between transactions for {@link #IDLE_BEFORE_CLOSE} (an app pool not using it will open a
 * new one elsewhere; cutting it the moment its transaction ends would race with its next query).
 * Done when, after the grace period, no client is left, or at {@code shutdown_timeout}. Admin
 * connections are not clients here and keep working.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    /** How long a client must sit between transactions before a drain closes it. */
    public static final Duration IDLE_BEFORE_CLOSE = Duration.ofMillis(
            Long.getLong("pgrudder.drain.idleBeforeCloseMillis", 1000));
    private static final long TICK_MILLIS = 100;

    private final Pooler pooler;
    private final Channel listener;
    private final CountDownLatch done = new CountDownLatch(1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgrudder-drain");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean started;
    private volatile boolean forced;

    public Drain(Pooler pooler, Channel listener) {
        this.pooler = pooler;
        this.listener = listener;
    }

    public boolean isDraining() {
        return started;
    }

    /** Starts the drain; a second call (a second signal) ends it at once. */
    public synchronized void start(String why) {
        if (started) {
            log.warn("{} during the drain: stopping now", why);
            forced = true;
            done.countDown();
            return;
        }
        started = true;
        Duration grace = pooler.config().general().shutdownGracePeriod();
        Duration timeout = pooler.config().general().shutdownTimeout();
        log.info("{}: draining (listener open for {} ms more, clients closed after {} ms idle, at most {} ms)",
                why, grace.toMillis(), IDLE_BEFORE_CLOSE.toMillis(), timeout.toMillis());
        long startNanos = System.nanoTime();
        timer.schedule(() -> {
            log.info("drain: grace period over, closing the listener ({} client(s) left)", pooler.stats().clients().size());
            listener.close();
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> {
            long elapsed = System.nanoTime() - startNanos;
            pooler.stats().terminateIdleClients(IDLE_BEFORE_CLOSE.toNanos());
            if (elapsed >= grace.toNanos() && pooler.stats().clients().isEmpty()) {
                log.info("drain: every client has left");
                done.countDown();
            } else if (elapsed >= timeout.toNanos()) {
                log.warn("drain: shutdown_timeout ({} ms) reached with {} client(s) left; closing them",
                        timeout.toMillis(), pooler.stats().clients().size());
                done.countDown();
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Waits until the drain is over (or forced); true when it was forced by a second signal. */
    public boolean awaitDone() throws InterruptedException {
        done.await();
        timer.shutdownNow();
        return forced;
    }

    public void close() {
        timer.shutdownNow();
    }
}
