package io.pgrudder.server.lifecycle;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Liveness and readiness. Live: every event loop runs a no-op task within {@link #LOOP_DEADLINE_MILLIS}
 * (a loop stuck in a blocking call or an endless task fails it). Ready: listening, config loaded,
 * not draining.
 */
public final class Health {
    static final long LOOP_DEADLINE_MILLIS = 1000;

    private final List<EventLoopGroup> groups;
    private final BooleanSupplier ready;

    public Health(List<EventLoopGroup> groups, BooleanSupplier ready) {
        this.groups = groups;
        this.ready = ready;
    }

    public boolean ready() {
        return ready.getAsBoolean();
    }

    /** Completes with null when every loop answered, else with what did not. Never blocks. */
    public CompletableFuture<String> live() {
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        for (EventLoopGroup group : groups) {
            for (EventExecutor loop : group) {
                CompletableFuture<Void> answered = new CompletableFuture<>();
                try {
                    Future<?> f = loop.submit(() -> { });
                    f.addListener(x -> answered.complete(null));
                } catch (RejectedExecutionException e) {
                    answered.completeExceptionally(e);
                }
                answers.add(answered);
            }
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .orTimeout(LOOP_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                .handle((x, e) -> {
                    if (e == null) {
                        return null;
                    }
                    long stuck = answers.stream().filter(a -> !a.isDone() || a.isCompletedExceptionally()).count();
                    return stuck + " event loop(s) did not answer within " + LOOP_DEADLINE_MILLIS + " ms";
                });
    }
}
