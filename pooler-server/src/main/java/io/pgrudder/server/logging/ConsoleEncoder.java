package io.pgrudder.server.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;

import java.nio.charset.StandardCharsets;

/**
 * The console encoder of {@code logback.xml}: {@code <format>} is a {@link LogFormat} name and
 * {@code <color>} true or false (the command line decides both, see {@code LogOptions}).
 * <ul>
 *   <li>{@code text}: one line per event, newlines in the message and the first frames of a
 *       stack trace folded onto it;</li>
 *   <li>{@code debug}: the full logger name, the source file and line (pgcat's debug format
 *       prints them too), the MDC, and whole stack traces on the lines that follow;</li>
 *   <li>{@code structured}: {@link JsonLayout}, never colored.</li>
 * </ul>
 * Color is ANSI escapes around the level and the logger.
 */
public final class ConsoleEncoder extends EncoderBase<ILoggingEvent> {
    private static final String TIME = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}";
    /** The message on one line, then the first frames of a stack trace folded onto it. */
    private static final String ONE_LINE = "%replace(%msg){'[\\r\\n]+', ' '}"
            + "%replace(%replace( %ex{3}){'[\\r\\n\\t]+', ' | '}){'^ $', ''}%nopex%n";
    private static final String TEXT = TIME + " %-5level [%thread] %logger{0}: " + ONE_LINE;
    private static final String TEXT_COLOR = TIME + " %highlight(%-5level) [%thread] %cyan(%logger{0}): " + ONE_LINE;
    /** Parentheses are logback's grouping: the literal ones are escaped. */
    private static final String DEBUG_REST = " [%thread] %logger \\(%file:%line\\)%replace( %mdc){' $', ''}%n    %msg%n%ex";
    private static final String DEBUG = TIME + " %-5level" + DEBUG_REST;
    private static final String DEBUG_COLOR = TIME + " %highlight(%-5level)" + DEBUG_REST.replace("%logger", "%cyan(%logger)");

    private LogFormat format = LogFormat.TEXT;
    private boolean color;
    private Encoder<ILoggingEvent> delegate;

    public void setFormat(String format) {
        this.format = LogFormat.parse(format);
    }

    public void setColor(boolean color) {
        this.color = color;
    }

    /** The logback pattern of a text format. */
    static String pattern(LogFormat format, boolean color) {
        return switch (format) {
            case TEXT -> color ? TEXT_COLOR : TEXT;
            case DEBUG -> color ? DEBUG_COLOR : DEBUG;
            case STRUCTURED -> throw new IllegalArgumentException("structured is JSON, not a pattern");
        };
    }

    @Override
    public void start() {
        if (format == LogFormat.STRUCTURED) {
            JsonLayout layout = new JsonLayout();
            layout.setContext(getContext());
            layout.start();
            LayoutWrappingEncoder<ILoggingEvent> json = new LayoutWrappingEncoder<>();
            json.setLayout(layout);
            json.setCharset(StandardCharsets.UTF_8);
            delegate = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(pattern(format, color));
            text.setCharset(StandardCharsets.UTF_8);
            delegate = text;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
