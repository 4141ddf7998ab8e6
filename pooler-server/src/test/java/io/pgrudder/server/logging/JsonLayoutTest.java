package io.pgrudder.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.pool.PoolSettings;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggerContext context = new LoggerContext();
    private final JsonLayout layout = new JsonLayout();

    JsonLayoutTest() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        layout.setContext(context);
        layout.start();
    }

    private LoggingEvent event(Level level, String message, Throwable thrown, Object... args) {
        LoggingEvent event = new LoggingEvent("test", context.getLogger("io.pgrudder.test.Thing"), level, message, thrown, args);
        event.setThreadName("worker-1");
        event.setInstant(Instant.parse("2026-12-03T10:11:12.345678Z"));
        return event;
    }

    private static String json(String value) {
        StringBuilder out = new StringBuilder();
        Json.string(out, value);
        return out.toString();
    }

    @Test
    void escapesQuotesBackslashesAndEveryControlCharacter() {
        assertEquals("\"say \\\"hi\\\" \\\\o/\"", json("say \"hi\" \\o/"));
        assertEquals("\"a\\nb\\r\\nc\\td\\be\\ff\"", json("a\nb\r\nc\td\be\ff"));
        assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", json("\u0000\u0001\u001f\u007f"));
        // U+2028/U+2029 are line terminators to JavaScript and to some line splitters.
        assertEquals("\"\\u2028\\u2029\"", json("\u2028\u2029"));
        for (char c = 0; c < 0x20; c++) {
            String escaped = json(String.valueOf(c));
            assertTrue(escaped.chars().allMatch(ch -> ch >= 0x20), () -> "raw control character in " + escaped);
        }
    }

    @Test
    void writesUnicodeAsItIsAndEscapesOnlyLoneSurrogates() {
        assertEquals("\"café 日本 😀\"", json("café 日本 😀"));
        assertEquals("\"x\\ud800y\\udc00\"", json("x\ud800y\udc00"));
    }

    @Test
    void oneObjectPerLineWithTheFieldsLogShippersExpect() throws Exception {
        String message = "line one\nline \"two\"\r\n\ttabbed é 😀 \u0007";
        String line = layout.doLayout(event(Level.WARN, "{}", null, message));

        assertTrue(line.endsWith("}\n"), line);
        assertEquals(1, line.split("\n", -1).length - 1, () -> "exactly one newline, at the end: " + line);
        JsonNode node = JSON.readTree(line);
        assertEquals("2026-12-03T10:11:12.345Z", node.get("timestamp").asText());
        assertEquals(Instant.parse("2026-12-03T10:11:12.345Z"), Instant.parse(node.get("timestamp").asText()));
        assertEquals("WARN", node.get("level").asText());
        assertEquals("io.pgrudder.test.Thing", node.get("logger").asText());
        assertEquals("worker-1", node.get("thread").asText());
        assertEquals(message, node.get("message").asText());
        assertFalse(node.has("exception"));
    }

    @Test
    void theStackTraceIsOneStringField() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom\nwith a second line");
        boom.initCause(new java.io.IOException("underneath"));
        String line = layout.doLayout(event(Level.ERROR, "failed", boom));

        assertEquals(1, line.split("\n", -1).length - 1, line);
        String stack = JSON.readTree(line).get("exception").asText();
        assertTrue(stack.startsWith("java.lang.IllegalStateException: boom\nwith a second line"), stack);
        assertTrue(stack.contains("\tat io.pgrudder.server.logging.JsonLayoutTest"), stack);
        assertTrue(stack.contains("Caused by: java.io.IOException: underneath"), stack);
    }

    @Test
    void namesTheClientPoolAndServerTheEventIsAbout() throws Exception {
        JsonNode client = JSON.readTree(layout.doLayout(event(Level.INFO, "client {} ({}): {} refused the session's settings",
                null, new InetSocketAddress("127.0.0.1", 54321), "alice", new ServerAddress("db1", 5432, Role.PRIMARY))));
        assertEquals("127.0.0.1:54321", client.get("client").asText());
        assertEquals("alice", client.get("user").asText());
        assertEquals("db1:5432", client.get("server").asText());

        JsonNode pool = JSON.readTree(layout.doLayout(event(Level.INFO, "{}: closing idle {}", null, poolSettings(), "x")));
        assertEquals("app", pool.get("pool").asText());
        assertEquals("app_user", pool.get("user").asText());
        assertFalse(pool.has("client"));

        JsonNode connected = JSON.readTree(layout.doLayout(event(Level.INFO, "client {} connected: user {} database {} application_name {}",
                null, new InetSocketAddress("10.1.2.3", 40000), "bob", "appdb", "psql")));
        assertEquals("10.1.2.3:40000", connected.get("client").asText());
        assertEquals("bob", connected.get("user").asText());
        assertEquals("appdb", connected.get("pool").asText());
        JsonNode refused = JSON.readTree(layout.doLayout(event(Level.INFO, "client {} failed to authenticate as {} to {}",
                null, new InetSocketAddress("10.1.2.3", 40001), "eve", "appdb")));
        assertEquals("eve", refused.get("user").asText());
        assertEquals("appdb", refused.get("pool").asText());

        // A socket address that is not the subject of a "client ..." message is not a client.
        JsonNode other = JSON.readTree(layout.doLayout(event(Level.INFO, "HTTP on {}", null, new InetSocketAddress("0.0.0.0", 9930))));
        assertFalse(other.has("client"));
    }

    @Test
    void mdcAndKeyValuePairsBecomeFieldsButNeverReplaceTheFixedOnes() throws Exception {
        LoggingEvent event = event(Level.INFO, "hello", null);
        event.setMDCPropertyMap(Map.of("pool", "from-mdc", "message", "not this"));
        event.addKeyValuePair(new org.slf4j.event.KeyValuePair("server", "pg-1:5432"));
        JsonNode node = JSON.readTree(layout.doLayout(event));
        assertEquals("from-mdc", node.get("pool").asText());
        assertEquals("pg-1:5432", node.get("server").asText());
        assertEquals("hello", node.get("message").asText());
    }

    private static PoolSettings poolSettings() throws Exception {
        PoolerConfig config = ConfigLoader.parse("""
                [general]
                admin_username = "admin"
                admin_password = "admin-secret"

                [pools.app.users.0]
                username = "app_user"
                password = "app-secret"
                pool_size = 2

                [pools.app.shards.0]
                database = "appdb"
                servers = [["pg1", 5432, "primary"]]
                """, Path.of("json-layout-test.toml"), Map.of());
        PoolConfig pool = config.pools().get("app");
        return PoolSettings.from(config.general(), pool, pool.users().get("0"));
    }
}
