package io.pgrudder.patroni;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON of etcd's v3 gRPC gateway (etcd 3.4 serves it under {@code /v3/}): keys and values
 * base64, int64 fields as strings, a prefix as the range {@code [prefix, prefix+1)}.
 */
final class EtcdGatewayJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EtcdGatewayJson() {
    }

    /** {@code POST /v3/kv/range} of every key under {@code prefix}. */
    /** {@code POST /v3/auth/authenticate}: etcd's user and password, for a token. */
    static String authenticateRequest(String user, String password) {
        return JSON.createObjectNode().put("name", user).put("password", password).toString();
    }

    static String rangeRequest(String prefix) {
        ObjectNode body = JSON.createObjectNode();
        body.put("key", encode(utf8(prefix)));
        body.put("range_end", encode(rangeEnd(utf8(prefix))));
        return body.toString();
    }

    /** {@code POST /v3/kv/range} of one key. */
    static String keyRequest(String key) {
        ObjectNode body = JSON.createObjectNode();
        body.put("key", encode(utf8(key)));
        return body.toString();
    }

    /** {@code POST /v3/watch} of every key under {@code prefix}, from revision {@code from} on. */
    static String watchRequest(String prefix, long from) {
        ObjectNode create = JSON.createObjectNode();
        create.put("key", encode(utf8(prefix)));
        create.put("range_end", encode(rangeEnd(utf8(prefix))));
        create.put("start_revision", from);
        ObjectNode body = JSON.createObjectNode();
        body.set("create_request", create);
        return body.toString();
    }

    /** The end of a prefix range: the prefix with its last byte below 0xff one higher (clientv3's GetPrefixRangeEnd). */
    static byte[] rangeEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if ((prefix[i] & 0xff) < 0xff) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return new byte[] {0}; // every key
    }

    /** A base64 key or value as text; a value that is not base64 reads as empty. */
    static String decode(JsonNode base64) {
        String text = base64.asText("");
        if (text.isEmpty()) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** An int64 field (written as a JSON string); absent or unreadable is 0. */
    static long int64(JsonNode node) {
        if (node.isNumber()) {
            return node.asLong();
        }
        try {
            return node.isTextual() ? Long.parseLong(node.textValue()) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
