package io.pgrudder.patroni.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LoopbackBlockTest {

    @Test
    void unsetOrEmptyIsTheDefaultBlock() {
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of(LoopbackBlock.VARIABLE, ""),
                Map.of(LoopbackBlock.VARIABLE, "  "))) {
            LoopbackBlock block = LoopbackBlock.from(env);
            assertEquals("127.0.0.10", block.etcd());
            assertEquals(List.of("127.0.0.11", "127.0.0.12", "127.0.0.13"),
                    List.of(block.node(0), block.node(1), block.node(2)));
        }
    }

    @Test
    void aPrefixPutsEtcdOnTenAndTheNodesAfterIt() {
        LoopbackBlock block = LoopbackBlock.from(Map.of(LoopbackBlock.VARIABLE, "127.0.1"));
        assertEquals("127.0.1.10", block.etcd());
        assertEquals("127.0.1.11", block.node(0));
        assertEquals("127.0.1.13", block.node(2));
    }

    @Test
    void aBaseAddressPutsEtcdOnItAndTheNodesAfterIt() {
        LoopbackBlock block = LoopbackBlock.from(Map.of(LoopbackBlock.VARIABLE, " 127.3.4.20 "));
        assertEquals("127.3.4.20", block.etcd());
        assertEquals("127.3.4.21", block.node(0));
        assertEquals("127.3.4.23", block.node(2));
        assertEquals("127.3.4.250", LoopbackBlock.from(Map.of(LoopbackBlock.VARIABLE, "127.3.4.250")).etcd());
    }

    @Test
    void aBadValueNamesTheVariableAndTheValue() {
        for (String bad : List.of("10.0.0", "127.0", "127.0.1.2.3", "127.0.x", "127.0.256", "127.0.1.251",
                "127.0.1.0", "127.0.1.", "127..1", "localhost", "127.0.+1", "127.0.0001")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LoopbackBlock.from(Map.of(LoopbackBlock.VARIABLE, bad)), bad);
            assertTrue(e.getMessage().startsWith("PGRUDDER_LOOPBACK_BLOCK=" + bad.trim() + " "), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.1"), "says what a good value looks like: " + e.getMessage());
        }
    }
}
