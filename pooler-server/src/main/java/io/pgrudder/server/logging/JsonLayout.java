package io.pgrudder.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;

/**
 * {@code -F structured}: one JSON object per line, with the fields log shippers look for:
 * {@code timestamp} (ISO-8601, UTC, milliseconds), {@code level}, {@code logger}, {@code thread},
 * {@code message}, then whom the event is about ({@code client}, {@code pool}, {@code user},
 * {@code server}, see {@link LogSubjects}) when known, and {@code exception} (the whole stack
 * trace as one string) when there is one. Newlines inside a value are escaped, so an event is
 * always exactly one line.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** The fields every event has; a subject or MDC key with one of these names is not repeated. */
    private static final Set<String> FIXED = Set.of("timestamp", "level", "logger", "thread", "message", "exception");

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder out = new StringBuilder(256);
        out.append('{');
        Json.string(out, "timestamp");
        out.append(':');
        Json.string(out, TIMESTAMP.format(event.getInstant()));
        Json.field(out, "level", event.getLevel().toString());
        Json.field(out, "logger", event.getLoggerName());
        Json.field(out, "thread", String.valueOf(event.getThreadName()));
        Json.field(out, "message", String.valueOf(event.getFormattedMessage()));
        for (Map.Entry<String, String> subject : LogSubjects.of(event).entrySet()) {
            if (!FIXED.contains(subject.getKey())) {
                Json.field(out, subject.getKey(), String.valueOf(subject.getValue()));
            }
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            Json.field(out, "exception", ThrowableProxyUtil.asString(thrown));
        }
        return out.append('}').append('\n').toString();
    }

    @Override
    public String getContentType() {
        return "application/json";
    }
}
