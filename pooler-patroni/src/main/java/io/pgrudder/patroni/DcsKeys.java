package io.pgrudder.patroni;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Which of Patroni's keys under {@code <namespace>/<scope>/} say something the topology depends
 * on, and what of their value does: {@code leader} (who holds the lock), {@code failover} (a
 * requested switchover), {@code sync} (the synchronous standbys), {@code config} (maintenance
 * mode) and {@code members/<name>} (role, state, timeline, tags, addresses). A member key is
 * rewritten whenever its WAL position moves; that alone changes nothing the pooler routes by, so
 * its digest leaves the position out. {@code status} (the leader's WAL position, which replicas'
 * lag is measured against, as Patroni's {@code /cluster} measures it) and its pre-3.0 form
 * {@code optime/leader} are kept for their value only: their digest never changes.
 * {@code history} and {@code initialize} are not followed.
 */
final class DcsKeys {

    static final String LEADER = "leader";
    static final String FAILOVER = "failover";
    static final String SYNC = "sync";
    static final String CONFIG = "config";
    static final String MEMBERS = "members/";
    static final String STATUS = "status";
    static final String OPTIME_LEADER = "optime/leader";

    private static final List<String> MEMBER_FIELDS = List.of("role", "state", "timeline", "tags", "conn_url", "api_url");
    private static final ObjectMapper JSON = new ObjectMapper();

    private DcsKeys() {
    }

    /** The followed key's name below {@code prefix} ({@code leader}, {@code members/node1}), or empty. */
    static Optional<String> followed(String prefix, String key) {
        if (!key.startsWith(prefix)) {
            return Optional.empty();
        }
        String name = key.substring(prefix.length());
        if (name.equals(LEADER) || name.equals(FAILOVER) || name.equals(SYNC) || name.equals(CONFIG)
                || name.equals(STATUS) || name.equals(OPTIME_LEADER)) {
            return Optional.of(name);
        }
        if (name.startsWith(MEMBERS) && name.length() > MEMBERS.length() && name.indexOf('/', MEMBERS.length()) < 0) {
            return Optional.of(name);
        }
        return Optional.empty();
    }

    /** A key followed for its value alone ({@code status}, {@code optime/leader}): never a change that matters. */
    static boolean valueOnly(String name) {
        return name.equals(STATUS) || name.equals(OPTIME_LEADER);
    }

    /** What of a followed key's value matters: the value itself, or a member's routing fields. */
    static String digest(String name, String value) {
        if (valueOnly(name)) {
            return "";
        }
        if (!name.startsWith(MEMBERS)) {
            return value;
        }
        try {
            JsonNode node = JSON.readTree(value);
            if (node == null || !node.isObject()) {
                return value;
            }
            ObjectNode kept = JSON.createObjectNode();
            for (String field : MEMBER_FIELDS) {
                JsonNode v = node.get(field);
                if (v != null) {
                    kept.set(field, v);
                }
            }
            return kept.toString();
        } catch (JsonProcessingException e) {
            return value;
        }
    }
}
