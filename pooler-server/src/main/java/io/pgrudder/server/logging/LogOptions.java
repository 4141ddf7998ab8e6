package io.pgrudder.server.logging;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How the process logs, from pgcat's flags or else their environment variables, as pgcat reads
 * them: {@code -l/--log-level} or {@code LOG_LEVEL}, {@code -F/--log-format} or
 * {@code LOG_FORMAT}, {@code -n/--no-color} or {@code NO_COLOR}. A bad value is an
 * {@link IllegalArgumentException} naming where it came from.
 *
 * <p>{@link #systemProperties} hands the result to {@code logback.xml}, which reads
 * {@code pgrudder.log.level}, {@code pgrudder.log.format} and {@code pgrudder.log.color}; a
 * logback configuration of the user's own ({@code -Dlogback.configurationFile}) replaces that
 * file and so wins over all three.
 *
 * @param level   ERROR, WARN, INFO, DEBUG or TRACE; empty when neither the flag nor
 *                {@code LOG_LEVEL} names one (logback.xml then keeps {@code -Dpgrudder.log.level}
 *                or INFO)
 * @param format  the log format (default text)
 * @param noColor {@code -n}, or {@code NO_COLOR} set to anything but an empty string or a false
 *                word (false, 0, no, off: pgcat reads the variable as a boolean; no-color.org
 *                counts any non-empty value)
 */
public record LogOptions(Optional<String> level, LogFormat format, boolean noColor) {
    public static final String LEVEL_PROPERTY = "pgrudder.log.level";
    public static final String FORMAT_PROPERTY = "pgrudder.log.format";
    public static final String COLOR_PROPERTY = "pgrudder.log.color";

    private static final List<String> LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
    private static final List<String> FALSE_WORDS = List.of("false", "0", "no", "off");

    public static final LogOptions DEFAULT = new LogOptions(Optional.empty(), LogFormat.TEXT, false);

    /**
     * The options from the flags' values ({@code null} when the flag was not given) and, for each
     * flag not given, its environment variable.
     */
    public static LogOptions resolve(String levelFlag, String formatFlag, boolean noColorFlag, Map<String, String> env) {
        Optional<String> level;
        if (levelFlag != null) {
            level = Optional.of(level(levelFlag, "-l/--log-level"));
        } else if (present(env.get("LOG_LEVEL"))) {
            level = Optional.of(level(env.get("LOG_LEVEL"), "LOG_LEVEL"));
        } else {
            level = Optional.empty();
        }
        LogFormat format;
        if (formatFlag != null) {
            format = format(formatFlag, "-F/--log-format");
        } else if (present(env.get("LOG_FORMAT"))) {
            format = format(env.get("LOG_FORMAT"), "LOG_FORMAT");
        } else {
            format = LogFormat.TEXT;
        }
        String noColorEnv = env.get("NO_COLOR");
        boolean noColor = noColorFlag
                || (present(noColorEnv) && !FALSE_WORDS.contains(noColorEnv.strip().toLowerCase(Locale.ROOT)));
        return new LogOptions(level, format, noColor);
    }

    /**
     * The system properties logback.xml reads. Color only for text and debug, only when stdout is
     * a terminal, and not with {@code -n}/{@code NO_COLOR}.
     */
    public Map<String, String> systemProperties(boolean terminal) {
        boolean color = format != LogFormat.STRUCTURED && terminal && !noColor;
        return level.map(l -> Map.of(LEVEL_PROPERTY, l, FORMAT_PROPERTY, format.cliName(), COLOR_PROPERTY, Boolean.toString(color)))
                .orElseGet(() -> Map.of(FORMAT_PROPERTY, format.cliName(), COLOR_PROPERTY, Boolean.toString(color)));
    }

    private static String level(String value, String from) {
        String upper = value.strip().toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(upper)) {
            throw new IllegalArgumentException(from + ": unknown log level '" + value + "' (ERROR, WARN, INFO, DEBUG or TRACE)");
        }
        return upper;
    }

    private static LogFormat format(String value, String from) {
        try {
            return LogFormat.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(from + ": " + e.getMessage());
        }
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
