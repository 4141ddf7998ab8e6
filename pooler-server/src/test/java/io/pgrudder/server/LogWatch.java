package io.pgrudder.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps the WARN and ERROR events logged while it is open. Netty logs at WARN what reached the end
 * of a pipeline ("An exceptionCaught() event was fired, and it reached at the tail"), a listener
 * that threw ("An exception was thrown by") and a task that threw ("A task raised an exception"),
 * and at ERROR a leak ("LEAK:"): {@link #fromNetty()} is what a test must find empty.
 */
final class LogWatch extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    static LogWatch open() {
        LogWatch watch = new LogWatch();
        watch.setContext(watch.root.getLoggerContext());
        watch.setName("log-watch");
        watch.start();
        watch.root.addAppender(watch);
        return watch;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            event.prepareForDeferredProcessing();
            events.add(event);
        }
    }

    /** Netty's own warnings and errors, and any event that names an unhandled exception. */
    List<String> fromNetty() {
        return events.stream()
                .filter(e -> e.getLoggerName().startsWith("io.netty")
                        || e.getFormattedMessage().contains("An exception was thrown by")
                        || e.getFormattedMessage().contains("A task raised an exception")
                        || e.getFormattedMessage().contains("exceptionCaught")
                        || e.getFormattedMessage().contains("LEAK:"))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()
                        + (e.getThrowableProxy() != null ? " " + e.getThrowableProxy().getClassName()
                        + ": " + e.getThrowableProxy().getMessage() : ""))
                .toList();
    }

    /** Every kept event, one line each, for a summary. */
    List<String> all() {
        return events.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
