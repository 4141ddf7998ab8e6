package io.pgrudder.core.config;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Small TOML builders for config tests: one pool "db", one user "app", one shard. */
final class TestConfigs {
    static final String ADMIN_PASSWORD = "admin-Secret-1";
    static final String USER_PASSWORD = "app-Secret-2";

    private TestConfigs() {
    }

    /**
     * A valid file with the given lines added to [general], [pools.db], users.0 and shards.0.
     * Lines starting with {@code pool_size} / {@code servers} replace the user's / shard's own.
     */
    static String config(String general, String pool, String user, String shard) {
        String servers = shard.startsWith("servers") ? "" : "servers = [[\"pg1\", 5432, \"primary\"]]\n";
        return "[general]\n"
                + "admin_username = \"admin\"\n"
                + "admin_password = \"" + ADMIN_PASSWORD + "\"\n"
                + general + "\n"
                + "[pools.db]\n" + pool + "\n"
                + "[pools.db.users.0]\n"
                + "username = \"app\"\n"
                + "password = \"" + USER_PASSWORD + "\"\n"
                + (user.startsWith("pool_size") ? "" : "pool_size = 5\n")
                + user + "\n"
                + "[pools.db.shards.0]\n"
                + "database = \"appdb\"\n"
                + servers
                + shard + "\n";
    }

    static String general(String lines) {
        return config(lines, "", "", "");
    }

    static String pool(String lines) {
        return config("", lines, "", "");
    }

    static String user(String lines) {
        return config("", "", lines, "");
    }

    static String shard(String lines) {
        return config("", "", "", lines);
    }

    static PoolerConfig parse(String toml) throws ConfigException {
        return parse(toml, Map.of());
    }

    static PoolerConfig parse(String toml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse(toml, Path.of("test.toml"), env);
    }

    static ConfigException failure(String toml) {
        return failure(toml, Map.of());
    }

    static ConfigException failure(String toml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> parse(toml, env));
    }

    /** The error lines ({@code path: message}) of a file that must not load. */
    static List<String> errors(String toml) {
        return failure(toml).errors().stream().map(ConfigProblem::toString).toList();
    }

    static List<String> warnings(PoolerConfig config) {
        return config.warnings().stream().map(ConfigProblem::toString).toList();
    }

    static Path resource(String name) {
        try {
            return Path.of(TestConfigs.class.getResource("/config/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
