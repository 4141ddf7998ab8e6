package io.pgrudder.server.admin;

import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.protocol.PgException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * How the admin commands that wait (PAUSE, WAIT_CLOSE, SWITCHOVER) wait: they count server
 * connections on their pools' own event loops and ask again every 50 ms on the console's timer
 * thread, never blocking an event loop, up to a deadline.
 */
final class Waiting {
    private static final long POLL_MILLIS = 50;

    private final ScheduledExecutorService timer;

    Waiting(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Completes when {@code remaining} says 0; fails with {@code late(n)} once {@code timeout} has passed. */
    CompletableFuture<Void> until(Supplier<CompletableFuture<Long>> remaining, Duration timeout,
                                  Function<Long, PgException> late) {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable[] poll = new Runnable[1];
        poll[0] = () -> remaining.get().whenComplete((n, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (n == 0) {
                done.complete(null);
            } else if (System.nanoTime() - deadline >= 0) {
                done.completeExceptionally(late.apply(n));
            } else {
                timer.schedule(poll[0], POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
        poll[0].run();
        return done;
    }

    /** The server connections of these pools that match, counted by each pool on its own loops. */
    static CompletableFuture<Long> count(List<Pool> pools, Predicate<ServerConnection> which) {
        List<CompletableFuture<Long>> counts = new ArrayList<>();
        for (Pool p : pools) {
            CompletableFuture<Long> c = new CompletableFuture<>();
            p.servers().addListener(f -> {
                if (f.isSuccess()) {
                    @SuppressWarnings("unchecked")
                    List<ServerConnection> all = (List<ServerConnection>) f.getNow();
                    c.complete(all.stream().filter(which).count());
                } else {
                    c.completeExceptionally(f.cause());
                }
            });
            counts.add(c);
        }
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
                .thenApply(x -> counts.stream().mapToLong(CompletableFuture::join).sum());
    }
}
