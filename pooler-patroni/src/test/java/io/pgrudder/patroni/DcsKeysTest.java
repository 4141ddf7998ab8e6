package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pgrudder.core.config.PatroniEtcdSettings;

class DcsKeysTest {

    private static final String PREFIX = "/service/demo/";

    @Test
    void followsTheKeysTheTopologyDependsOn() {
        assertEquals(Optional.of("leader"), DcsKeys.followed(PREFIX, "/service/demo/leader"));
        assertEquals(Optional.of("failover"), DcsKeys.followed(PREFIX, "/service/demo/failover"));
        assertEquals(Optional.of("sync"), DcsKeys.followed(PREFIX, "/service/demo/sync"));
        assertEquals(Optional.of("config"), DcsKeys.followed(PREFIX, "/service/demo/config"));
        assertEquals(Optional.of("members/node1"), DcsKeys.followed(PREFIX, "/service/demo/members/node1"));
        assertEquals(Optional.of("status"), DcsKeys.followed(PREFIX, "/service/demo/status"));
        assertEquals(Optional.of("optime/leader"), DcsKeys.followed(PREFIX, "/service/demo/optime/leader"));
        assertEquals(Optional.empty(), DcsKeys.followed(PREFIX, "/service/demo/optime/other"));
        assertEquals(Optional.empty(), DcsKeys.followed(PREFIX, "/service/demo/history"));
        assertEquals(Optional.empty(), DcsKeys.followed(PREFIX, "/service/demo/members/"));
        assertEquals(Optional.empty(), DcsKeys.followed(PREFIX, "/service/demo2/leader"));
    }

    @Test
    void aMemberMovingItsWalPositionChangesNothing() {
        String before = "{\"conn_url\":\"postgres://127.0.0.12:5432/postgres\",\"api_url\":\"http://127.0.0.12:8008/patroni\","
                + "\"state\":\"running\",\"role\":\"replica\",\"version\":\"3.0.2\",\"xlog_location\":100,\"timeline\":1}";
        String moved = before.replace("\"xlog_location\":100", "\"xlog_location\":200");
        String promoted = moved.replace("\"role\":\"replica\"", "\"role\":\"master\"");
        assertEquals(DcsKeys.digest("members/node2", before), DcsKeys.digest("members/node2", moved));
        assertNotEquals(DcsKeys.digest("members/node2", moved), DcsKeys.digest("members/node2", promoted));
        assertEquals("node1", DcsKeys.digest("leader", "node1"));
    }

    @Test
    void clusterPrefixIsBuiltAsPatroniBuildsIt() {
        assertEquals("/service/demo/", new PatroniEtcdSettings(java.util.List.of(), "demo", "/service").clusterPrefix());
        assertEquals("/pgrudder-test/demo/",
                new PatroniEtcdSettings(java.util.List.of(), "demo", "/pgrudder-test/").clusterPrefix());
        assertEquals("/ns/demo/", new PatroniEtcdSettings(java.util.List.of(), "demo", "ns").clusterPrefix());
    }

    @Test
    void rangeEndIsThePrefixPlusOne() {
        assertEquals("/service/demo0", new String(EtcdGatewayJson.rangeEnd("/service/demo/".getBytes()),
                java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("{\"key\":\"L3NlcnZpY2UvZGVtby8=\",\"range_end\":\"L3NlcnZpY2UvZGVtbzA=\"}",
                EtcdGatewayJson.rangeRequest("/service/demo/"));
    }
}
