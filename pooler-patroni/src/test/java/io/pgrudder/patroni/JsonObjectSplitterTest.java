package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class JsonObjectSplitterTest {

    private static final String STREAM = "{\"result\":{\"header\":{\"revision\":\"7\"},\"created\":true}}\n"
            + "{\"result\":{\"events\":[{\"kv\":{\"key\":\"L3M=\",\"value\":\"e30=\"}}],\"x\":\"a } \\\" { b\"}}\r\n";

    private static List<String> split(int chunk) throws JsonObjectSplitter.TooLargeException {
        JsonObjectSplitter splitter = new JsonObjectSplitter(1 << 20);
        List<String> out = new ArrayList<>();
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) {
            splitter.feed(bytes, i, Math.min(chunk, bytes.length - i), o -> out.add(new String(o, StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void objectsComeOutWholeHoweverTheChunksFall() throws JsonObjectSplitter.TooLargeException {
        List<String> whole = split(STREAM.length());
        assertEquals(List.of(
                "{\"result\":{\"header\":{\"revision\":\"7\"},\"created\":true}}",
                "{\"result\":{\"events\":[{\"kv\":{\"key\":\"L3M=\",\"value\":\"e30=\"}}],\"x\":\"a } \\\" { b\"}}"),
                whole, "braces and escaped quotes inside strings do not count");
        for (int chunk = 1; chunk < 12; chunk++) {
            assertEquals(whole, split(chunk), "chunks of " + chunk);
        }
    }

    @Test
    void anObjectPastTheLimitIsRefused() {
        JsonObjectSplitter splitter = new JsonObjectSplitter(2048);
        byte[] big = ("{\"v\":\"" + "x".repeat(4096) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThrows(JsonObjectSplitter.TooLargeException.class, () -> splitter.feed(big, 0, big.length, o -> { }));
    }
}
