package io.pgrudder.core.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads one {@code [pools.NAME.shards.N]} table and applies pgcat's shard checks. */
final class ShardReader {
    private ShardReader() {
    }

    static ShardConfig read(TomlSection s) {
        Problems problems = s.problems();
        String database = s.requiredString("database", false);
        List<ServerAddress> servers = new ArrayList<>();
        JsonNode serversNode = s.get("servers");
        String serversPath = s.path("servers");
        if (serversNode == null) {
            problems.error(serversPath, "required key is missing");
        } else if (!serversNode.isArray()) {
            problems.error(serversPath, "expected an array of [host, port, role], got "
                    + TomlSection.describe(serversNode, false));
        } else if (serversNode.isEmpty()) {
            problems.error(serversPath, "at least one server is required");
        } else {
            readServers(s, serversNode, serversPath, servers);
        }
        List<MirrorAddress> mirrors = new ArrayList<>();
        JsonNode mirrorsNode = s.get("mirrors");
        if (mirrorsNode != null) {
            readMirrors(s, mirrorsNode, s.path("mirrors"), serversNode == null ? 0 : serversNode.size(), mirrors);
        }
        s.reportUnknownKeys();
        return new ShardConfig(database != null ? database : "", servers, mirrors);
    }

    private static void readServers(TomlSection s, JsonNode array, String path, List<ServerAddress> servers) {
        Problems problems = s.problems();
        Map<String, Integer> seen = new HashMap<>();
        Integer primaryAt = null;
        for (int i = 0; i < array.size(); i++) {
            String itemPath = path + "[" + i + "]";
            JsonNode item = array.get(i);
            if (!item.isArray() || item.size() != 3) {
                problems.error(itemPath, "expected [host, port, role], got " + TomlSection.describe(item, false));
                continue;
            }
            String host = s.string(itemPath + ".host", item.get(0), false);
            Long port = s.integer(itemPath + ".port", item.get(1), 1, 65535, null, false);
            Role role = s.choice(itemPath + ".role", item.get(2), Choices.ROLE, "");
            if (host == null || port == null || role == null) {
                continue;
            }
            Integer earlier = seen.putIfAbsent(host + ":" + port, i);
            if (earlier != null) {
                problems.error(itemPath, "duplicate server " + host + ":" + port + " (also " + path + "[" + earlier + "])");
            }
            if (role == Role.PRIMARY) {
                if (primaryAt != null) {
                    problems.error(itemPath, "more than one primary in this shard (also " + path + "[" + primaryAt + "])");
                } else {
                    primaryAt = i;
                }
            }
            servers.add(new ServerAddress(host, port.intValue(), role));
        }
    }

    private static void readMirrors(TomlSection s, JsonNode array, String path, int serverCount,
                                    List<MirrorAddress> mirrors) {
        Problems problems = s.problems();
        if (!array.isArray()) {
            problems.error(path, "expected an array of [host, port, mirroring_target_index], got "
                    + TomlSection.describe(array, false));
            return;
        }
        for (int i = 0; i < array.size(); i++) {
            String itemPath = path + "[" + i + "]";
            JsonNode item = array.get(i);
            if (!item.isArray() || item.size() != 3) {
                problems.error(itemPath, "expected [host, port, mirroring_target_index], got "
                        + TomlSection.describe(item, false));
                continue;
            }
            String host = s.string(itemPath + ".host", item.get(0), false);
            Long port = s.integer(itemPath + ".port", item.get(1), 1, 65535, null, false);
            Long target = s.integer(itemPath + ".mirroring_target_index", item.get(2), 0, Integer.MAX_VALUE, null, false);
            if (host == null || port == null || target == null) {
                continue;
            }
            if (target >= serverCount) {
                problems.warning(itemPath, "mirroring_target_index " + target
                        + " names no server of this shard; the mirror gets no traffic");
            }
            mirrors.add(new MirrorAddress(host, port.intValue(), target.intValue()));
        }
    }
}
