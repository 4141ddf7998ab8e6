package io.pgrudder.core.client;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A client session's two timers, on its event loop: one armed while requests wait for the server
 * (the user's {@code statement_timeout}, pgcat semantics) and one while the client sits idle in a
 * transaction ({@code idle_client_in_transaction_timeout}). Arming an armed timer does nothing; a
 * timer that fires is disarmed before its action runs.
 */
final class SessionTimers {
    private final EventExecutor loop;
    private ScheduledFuture<?> statement;
    private ScheduledFuture<?> idleInTransaction;

    SessionTimers(EventExecutor loop) {
        this.loop = loop;
    }

    void armStatement(long millis, Runnable onTimeout) {
        if (millis > 0 && statement == null) {
            statement = loop.schedule(() -> {
                statement = null;
                onTimeout.run();
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    void cancelStatement() {
        statement = cancel(statement);
    }

    void armIdleInTransaction(long millis, Runnable onTimeout) {
        if (millis > 0 && idleInTransaction == null) {
            idleInTransaction = loop.schedule(() -> {
                idleInTransaction = null;
                onTimeout.run();
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    void cancelIdleInTransaction() {
        idleInTransaction = cancel(idleInTransaction);
    }

    void cancelAll() {
        cancelStatement();
        cancelIdleInTransaction();
    }

    private static ScheduledFuture<?> cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        return null;
    }
}
