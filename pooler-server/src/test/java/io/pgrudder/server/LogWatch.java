package io.pgrudder.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the WARN and ERROR events logged while it is open, and the client handlers' DEBUG lines
 * that name an exception their exceptionCaught took (anything but a PgException). Netty logs at WARN what reached the end
 * of a pipeline ("An exceptionCaught() event was fired, and it reached at the tail"), a listener
 * that threw ("An exception was thrown by") and a task that threw ("A task raised an exception"),
 * and at ERROR a leak ("LEAK:"): {@link #fromNetty()} is what a test must find empty.
 */
final class LogWatch extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    /** The client phases' handlers; each logs at DEBUG what its exceptionCaught got that was not a PgException. */
    private static final List<String> CLIENT_HANDLERS = List.of("io.pgrudder.core.client.ClientStartupHandler",
            "io.pgrudder.core.client.ClientAuthHandler", "io.pgrudder.core.client.ClientSessionHandler");
    /** What a peer that goes away causes; every other exception is a finding. */
    private static final Pattern EXCEPTION = Pattern.compile("^([A-Za-z0-9_.$]+(?:Exception|Error))(?::.*)?$", Pattern.DOTALL);
    private static final Pattern PEER_GONE = Pattern.compile(
            "java\\.io\\.IOException|java\\.net\\.SocketException|.*NativeIoException|.*ClosedChannelException");

    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final AtomicInteger peerGone = new AtomicInteger();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Map<Logger, Level> levels = new HashMap<>();

    static LogWatch open() {
        LogWatch watch = new LogWatch();
        watch.setContext(watch.root.getLoggerContext());
        watch.setName("log-watch");
        watch.start();
        watch.root.addAppender(watch);
        for (String name : CLIENT_HANDLERS) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            watch.levels.put(logger, logger.getLevel());
            // DEBUG for this watch only: the console keeps getting INFO and above (see append).
            logger.setLevel(Level.DEBUG);
            logger.setAdditive(false);
            logger.addAppender(watch);
        }
        return watch;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (CLIENT_HANDLERS.contains(event.getLoggerName()) && event.getLevel().isGreaterOrEqual(Level.INFO)) {
            root.iteratorForAppenders().forEachRemaining(a -> {
                if (a != this) {
                    a.doAppend(event);
                }
            });
        }
        Object[] args = event.getArgumentArray();
        if (event.getLevel() == Level.DEBUG && CLIENT_HANDLERS.contains(event.getLoggerName()) && args != null
                && args.length > 0 && args[args.length - 1] instanceof String last) {
            Matcher m = EXCEPTION.matcher(last);
            if (m.matches() && !PEER_GONE.matcher(m.group(1)).matches()) {
                handled.add(event.getLoggerName() + ": " + event.getFormattedMessage());
            } else if (m.matches()) {
                peerGone.incrementAndGet();
            }
        }
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

    /**
     * Exceptions other than a peer going away that reached a client handler's exceptionCaught
     * (which closes without an ErrorResponse): a bad input must end in a PgException instead.
     */
    List<String> unexpectedExceptions() {
        return List.copyOf(handled);
    }

    /** How many exceptions the client handlers took that were a peer going away. */
    int peerGone() {
        return peerGone.get();
    }

    /** Every kept event, one line each, for a summary. */
    List<String> all() {
        return events.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        levels.forEach((logger, level) -> {
            logger.detachAppender(this);
            logger.setAdditive(true);
            logger.setLevel(level);
        });
        stop();
    }
}
