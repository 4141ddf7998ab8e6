package io.pgrudder.server.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three formats through a real logback logger, as logback.xml wires them. */
class ConsoleEncoderTest {
    private static final char ESC = 0x1b;

    private static String log(String format, boolean color, Consumer<Logger> body) {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        ConsoleEncoder encoder = new ConsoleEncoder();
        encoder.setContext(context);
        encoder.setFormat(format);
        encoder.setColor(color);
        encoder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        Logger logger = context.getLogger("io.pgrudder.test.Thing");
        logger.addAppender(appender);
        body.accept(logger);
        appender.stop();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void textIsOneLinePerEventAsBefore() {
        String out = log("text", false, l -> l.warn("first\nsecond", new IllegalStateException("boom")));
        assertEquals(1, out.split("\n", -1).length - 1, out);
        assertTrue(out.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-Z][0-9:]* WARN  \\[[^]]+] Thing: first second "
                + "java\\.lang\\.IllegalStateException: boom \\| at .*\\n"), out);
        assertTrue(out.indexOf(ESC) < 0, "no color unless asked");
    }

    @Test
    void colorIsAnsiAroundTheLevelAndLoggerOnly() {
        String out = log("text", true, l -> l.info("hello"));
        assertTrue(out.indexOf(ESC) >= 0, out);
        String plain = out.replaceAll(ESC + "\\[[0-9;]*m", "");
        assertTrue(plain.matches(".* INFO  \\[[^]]+] Thing: hello\\n"), plain);
    }

    @Test
    void debugNamesTheSourceLineAndPrintsTheWholeStack() {
        String out = log("debug", false, l -> l.error("went wrong", new IllegalStateException("boom")));
        assertTrue(out.contains(" ERROR [") && out.contains("] io.pgrudder.test.Thing (ConsoleEncoderTest.java:"), out);
        assertTrue(out.contains("\n    went wrong\n"), out);
        assertTrue(out.contains("java.lang.IllegalStateException: boom"), out);
        assertTrue(out.lines().filter(s -> s.startsWith("\tat ")).count() > 3, () -> "whole stack:\n" + out);
    }

    @Test
    void structuredIsJsonPerLineAndNeverColored() throws Exception {
        String out = log("structured", true, l -> {
            l.info("one");
            l.info("two\nlines");
        });
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        assertEquals("two\nlines", new ObjectMapper().readTree(lines[1]).get("message").asText());
        assertFalse(out.indexOf(ESC) >= 0, out);
    }

    @Test
    void anUnknownFormatIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ConsoleEncoder().setFormat("xml"));
    }
}
