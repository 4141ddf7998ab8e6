package io.pgrudder.server.logging;

import java.util.Locale;

/** pgcat's {@code -F/--log-format} values (also {@code LOG_FORMAT}). */
public enum LogFormat {
    /** One line per event: time, level, thread, logger, message (the default). */
    TEXT,
    /** One JSON object per line, for log shippers. */
    STRUCTURED,
    /** Text with the full logger name, the source file and line, the MDC and whole stack traces. */
    DEBUG;

    /** The name as written on the command line: {@code text}, {@code structured}, {@code debug}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a value of {@code -F} or {@code LOG_FORMAT}, in any case. */
    public static LogFormat parse(String value) {
        for (LogFormat f : values()) {
            if (f.name().equalsIgnoreCase(value.strip())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown log format '" + value + "' (text, structured or debug)");
    }
}
