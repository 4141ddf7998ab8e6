package io.pgrudder.core.config;

import java.math.BigInteger;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static io.pgrudder.core.config.PoolConfig.*;

/** Reads one {@code [pools.NAME]} table, its users and shards, and applies pgcat's pool checks. */
final class PoolReader {
    private static final Pattern SHARD_KEY = Pattern.compile("\\d+");
    private static final Pattern SHARD_NAME = Pattern.compile("shard_(\\d+)");

    private PoolReader() {
    }

    static PoolConfig read(String name, TomlSection p, GeneralConfig general) {
        Problems problems = p.problems();
        boolean queryParserEnabled = p.bool("query_parser_enabled", false);
        boolean readWriteSplitting = p.bool("query_parser_read_write_splitting", false);
        if (readWriteSplitting && !queryParserEnabled) {
            problems.error(p.path("query_parser_read_write_splitting"), "requires query_parser_enabled = true");
        }
        TomlSection plugins = p.table("plugins");
        if (plugins != null) {
            PluginsReader.read(plugins);
            if (!queryParserEnabled) {
                problems.error(plugins.path(), "plugins are only valid when query_parser_enabled is true");
            }
        }

        // pgcat's fill_up_auth_query_config(): a pool inherits each auth_query key it does not set.
        boolean ownAuthQuery = p.has("auth_query") || p.has("auth_query_user") || p.has("auth_query_password");
        String authQuery = orElse(p.string("auth_query"), general.authQuery());
        String authQueryUser = orElse(p.string("auth_query_user"), general.authQueryUser());
        String authQueryPassword = orElse(p.secret("auth_query_password"), general.authQueryPassword());
        if (ownAuthQuery && authQuery != null && (authQueryUser == null || authQueryPassword == null)) {
            problems.error(p.path("auth_query"), "requires auth_query_user and auth_query_password");
        }
        boolean authQueryConfigured = authQuery != null && authQueryUser != null && authQueryPassword != null;
        if (authQueryConfigured && !authQuery.contains("$1")) {
            problems.error(p.has("auth_query") ? p.path("auth_query") : "general.auth_query",
                    "must contain $1, the user name the query looks up");
        }
        Duration authQueryCacheTtl = p.millis("auth_query_cache_ttl", general.authQueryCacheTtl());
        int authQueryPoolSize = (int) p.integer("auth_query_pool_size", 1, Integer.MAX_VALUE, DEFAULT_AUTH_QUERY_POOL_SIZE);
        int authQueryMaxUsers = (int) p.integer("auth_query_max_users", 0, Integer.MAX_VALUE, DEFAULT_AUTH_QUERY_MAX_USERS);

        String automaticShardingKey = automaticShardingKey(p);
        String shardingKeyRegex = regex(p, "sharding_key_regex");
        String shardIdRegex = regex(p, "shard_id_regex");

        boolean dbActivityBasedRouting = p.bool("db_activity_based_routing", false);
        long activityMin = dbActivityBasedRouting ? 1 : 0;
        Duration dbActivityInitDelay = p.duration("db_activity_init_delay", ChronoUnit.MILLIS, activityMin,
                DEFAULT_DB_ACTIVITY_INIT_DELAY);
        Duration dbActivityTtl = p.duration("db_activity_ttl", ChronoUnit.SECONDS, activityMin, DEFAULT_DB_ACTIVITY_TTL);
        Duration tableMutationCacheTtl = p.duration("table_mutation_cache_ms_ttl", ChronoUnit.MILLIS, activityMin,
                DEFAULT_TABLE_MUTATION_CACHE_TTL);

        Map<String, UserConfig> users = users(p, authQueryConfigured);
        List<ShardConfig> shards = shards(p);
        String defaultShard = defaultShard(p, shards.size());

        PoolConfig pool = new PoolConfig(
                name,
                p.choice("pool_mode", Choices.POOL_MODE, PoolMode.TRANSACTION),
                p.choice("load_balancing_mode", Choices.LOAD_BALANCING_MODE, LoadBalancingMode.RANDOM),
                p.choice("default_role", Choices.DEFAULT_ROLE, DefaultRole.ANY),
                queryParserEnabled,
                intOrNull(p.integer("query_parser_max_length", 0, Integer.MAX_VALUE)),
                readWriteSplitting,
                p.bool("primary_reads_enabled", false),
                p.millis("connect_timeout"),
                p.millis("idle_timeout"),
                p.millis("server_lifetime"),
                intOrNull(p.integer("checkout_failure_limit", 0, Integer.MAX_VALUE)),
                p.choice("sharding_function", Choices.SHARDING_FUNCTION, DEFAULT_SHARDING_FUNCTION),
                automaticShardingKey,
                shardingKeyRegex,
                shardIdRegex,
                (int) p.integer("regex_search_limit", 0, Integer.MAX_VALUE, DEFAULT_REGEX_SEARCH_LIMIT),
                defaultShard,
                authQuery,
                authQueryUser,
                authQueryPassword,
                authQueryCacheTtl,
                authQueryPoolSize,
                authQueryMaxUsers,
                p.bool("cleanup_server_connections", true),
                p.bool("log_client_parameter_status_changes", false),
                (int) p.integer("prepared_statements_cache_size", 0, Integer.MAX_VALUE,
                        PoolConfig.DEFAULT_PREPARED_STATEMENTS_CACHE_SIZE),
                dbActivityBasedRouting,
                dbActivityInitDelay,
                dbActivityTtl,
                tableMutationCacheTtl,
                PatroniReader.read(p, general.patroni(), true),
                users,
                shards);
        p.reportUnknownKeys();
        return pool;
    }

    private static Map<String, UserConfig> users(TomlSection p, boolean authQueryConfigured) {
        Problems problems = p.problems();
        Map<String, UserConfig> users = new LinkedHashMap<>();
        if (!p.has("users")) {
            problems.error(p.path("users"), "required key is missing");
            p.accept("users");
            return users;
        }
        TomlSection table = p.table("users");
        if (table == null) {
            return users;
        }
        Map<String, String> keyByUsername = new HashMap<>();
        // pgcat keeps users in a BTreeMap<String, User>: string order.
        for (String key : new TreeSet<>(table.keys())) {
            TomlSection u = table.table(key);
            if (u == null) {
                continue;
            }
            UserConfig user = UserReader.read(u);
            if (user == null) {
                continue;
            }
            if (!u.has("password") && !authQueryConfigured && user.authType() != AuthType.TRUST) {
                problems.error(u.path("password"),
                        "required unless auth_type is \"trust\" or the pool has auth_query, auth_query_user and auth_query_password");
            }
            String earlier = keyByUsername.putIfAbsent(user.username(), key);
            if (earlier != null) {
                problems.error(u.path("username"), "duplicate username " + TomlSection.quote(user.username())
                        + " (also " + table.path(earlier) + ")");
            }
            users.put(key, user);
        }
        return users;
    }

    private static List<ShardConfig> shards(TomlSection p) {
        Problems problems = p.problems();
        List<ShardConfig> shards = new ArrayList<>();
        if (!p.has("shards")) {
            problems.error(p.path("shards"), "required key is missing");
            p.accept("shards");
            return shards;
        }
        TomlSection table = p.table("shards");
        if (table == null) {
            return shards;
        }
        TreeMap<BigInteger, String> byNumber = new TreeMap<>();
        for (String key : table.keys()) {
            if (!SHARD_KEY.matcher(key).matches()) {
                problems.error(table.path(key), "shard keys must be numbers starting at 0");
                table.accept(key);
                continue;
            }
            String earlier = byNumber.putIfAbsent(new BigInteger(key), key);
            if (earlier != null) {
                problems.error(table.path(key), "same shard number as " + table.path(earlier));
            }
        }
        if (table.keys().isEmpty()) {
            problems.error(table.path(), "at least one shard is required");
        }
        int expected = 0;
        for (Map.Entry<BigInteger, String> e : byNumber.entrySet()) {
            if (!e.getKey().equals(BigInteger.valueOf(expected))) {
                problems.warning(table.path(e.getValue()), "shards are not numbered 0.." + (byNumber.size() - 1)
                        + " without gaps; this one is used as shard " + expected + " (as pgcat does)");
            }
            expected++;
            TomlSection s = table.table(e.getValue());
            if (s != null) {
                shards.add(ShardReader.read(s));
            }
        }
        return shards;
    }

    private static String defaultShard(TomlSection p, int shardCount) {
        String text = p.string("default_shard");
        if (text == null) {
            return DEFAULT_SHARD;
        }
        if (text.equals("random") || text.equals("random_healthy")) {
            return text;
        }
        var m = SHARD_NAME.matcher(text);
        if (!m.matches()) {
            p.problems().error(p.path("default_shard"),
                    "expected \"shard_<number>\", \"random\" or \"random_healthy\", got " + TomlSection.quote(text));
            return DEFAULT_SHARD;
        }
        if (shardCount > 0 && new BigInteger(m.group(1)).compareTo(BigInteger.valueOf(shardCount)) >= 0) {
            p.problems().error(p.path("default_shard"),
                    text + " does not exist; the pool has shards 0 to " + (shardCount - 1));
        }
        return text;
    }

    private static String automaticShardingKey(TomlSection p) {
        String text = p.string("automatic_sharding_key");
        if (text == null) {
            return null;
        }
        // pgcat drops quotes so that quoted and unquoted identifiers compare equal.
        String key = text.replace("\"", "");
        if (key.chars().filter(c -> c == '.').count() != 1) {
            p.problems().error(p.path("automatic_sharding_key"),
                    "expected \"table.column\", got " + TomlSection.quote(text));
        }
        return key;
    }

    private static String regex(TomlSection p, String key) {
        String text = p.string(key);
        if (text != null) {
            try {
                Pattern.compile(text);
            } catch (PatternSyntaxException e) {
                p.problems().error(p.path(key), "not a valid regular expression: " + e.getDescription());
            }
        }
        return text;
    }

    private static Integer intOrNull(Long value) {
        return value == null ? null : value.intValue();
    }

    private static String orElse(String value, String inherited) {
        return value != null ? value : inherited;
    }
}
