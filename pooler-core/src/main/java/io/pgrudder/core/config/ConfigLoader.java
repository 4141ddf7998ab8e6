package io.pgrudder.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads an unmodified {@code pgcat.toml} (pgcat 1.3) into a {@link PoolerConfig}.
 *
 * <p>The TOML is parsed into a tree and mapped by hand so that every problem names its full key
 * path. Every key pgcat accepts is accepted with pgcat's code default; unknown keys are warnings
 * (pgcat silently ignores them); invalid values, missing required keys and pgcat's
 * {@code validate()} rules are errors. All problems are collected before a
 * {@link ConfigException} is thrown. A string value that is exactly {@code ${NAME}} is replaced
 * by the environment variable NAME.
 */
public final class ConfigLoader {
    private static final TomlMapper TOML = new TomlMapper();
    private static final String DEFAULT_PATH = "pgcat.toml";
    private static final List<String> ADMIN_DATABASES = List.of("pgcat", "pgbouncer");

    private ConfigLoader() {
    }

    public static PoolerConfig load(Path path, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw single(path.toString(), "file does not exist");
        } catch (IOException e) {
            throw single(path.toString(), "cannot read: " + e.getMessage());
        }
        return parse(text, path, env);
    }

    /**
     * @param source the file the text came from, used in messages and as {@link PoolerConfig#path()};
     *               may be null (then the file's own {@code path} key, else "pgcat.toml")
     */
    public static PoolerConfig parse(String tomlText, Path source, Map<String, String> env) throws ConfigException {
        String sourceName = source != null ? source.toString() : DEFAULT_PATH;
        JsonNode tree;
        try {
            tree = TOML.readTree(tomlText);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? sourceName : sourceName + ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new ConfigException(sourceName,
                    List.of(ConfigProblem.error(where, "TOML syntax error: " + e.getOriginalMessage())));
        }
        if (tree == null || !tree.isObject()) {
            tree = JsonNodeFactory.instance.objectNode();
        }

        Problems problems = new Problems(env);
        TomlSection root = new TomlSection("", tree, problems);
        String pathKey = root.string("path");

        TomlSection generalSection = root.table("general");
        if (generalSection == null) {
            generalSection = new TomlSection("general", JsonNodeFactory.instance.objectNode(), problems);
        }
        GeneralConfig general = GeneralReader.read(generalSection);

        TomlSection plugins = root.table("plugins");
        if (plugins != null) {
            PluginsReader.read(plugins);
        }

        Map<String, PoolConfig> pools = new TreeMap<>();
        TomlSection poolsSection = root.table("pools");
        if (poolsSection == null) {
            if (!root.has("pools")) {
                problems.error("pools", "required key is missing");
            }
        } else {
            for (String name : poolsSection.keys()) {
                TomlSection poolSection = poolsSection.table(name);
                if (poolSection == null) {
                    continue;
                }
                if (ADMIN_DATABASES.contains(name)) {
                    problems.warning(poolSection.path(), "clients connecting to database " + name
                            + " reach the admin console, never this pool");
                }
                pools.put(name, PoolReader.read(name, poolSection, general));
            }
        }
        root.reportUnknownKeys();
        Unsupported.check(general, pools, problems);

        if (problems.hasErrors()) {
            throw new ConfigException(sourceName, problems.all());
        }
        Path path = source != null ? source : Path.of(pathKey != null ? pathKey : DEFAULT_PATH);
        return new PoolerConfig(path, general, pools, problems.warnings());
    }

    private static ConfigException single(String where, String message) {
        return new ConfigException(where, List.of(ConfigProblem.error(where, message)));
    }
}
