package io.pgrudder.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.pgrudder.core.config.TestConfigs.config;
import static io.pgrudder.core.config.TestConfigs.failure;
import static io.pgrudder.core.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A string value that is exactly {@code ${NAME}} comes from the environment. */
class EnvSubstitutionTest {
    private static final String TOML = "[general]\n"
            + "admin_username = \"admin\"\n"
            + "admin_password = \"${ADMIN_PASSWORD}\"\n"
            + "port = \"${PGRUDDER_PORT}\"\n"
            + "server_tls = \"${SERVER_TLS}\"\n"
            + "[pools.db.users.0]\n"
            + "username = \"app\"\n"
            + "password = \"${APP_PASSWORD}\"\n"
            + "pool_size = 5\n"
            + "connect_timeout = \"${APP_CONNECT_TIMEOUT}\"\n"
            + "[pools.db.shards.0]\n"
            + "database = \"appdb\"\n"
            + "servers = [[\"${PG_HOST}\", 5432, \"primary\"]]\n";

    private static final Map<String, String> ENV = Map.of(
            "ADMIN_PASSWORD", "from-env-admin",
            "PGRUDDER_PORT", "6432",
            "SERVER_TLS", "true",
            "APP_PASSWORD", "from-env-app",
            "APP_CONNECT_TIMEOUT", "2500",
            "PG_HOST", "pg-0.pg.svc");

    @Test
    void valuesComeFromTheEnvironment() throws ConfigException {
        PoolerConfig config = parse(TOML, ENV);
        assertEquals("from-env-admin", config.general().adminPassword());
        assertEquals(6432, config.general().port());
        assertEquals(true, config.general().serverTls());
        UserConfig app = config.pool("db").orElseThrow().user("app").orElseThrow();
        assertEquals("from-env-app", app.password());
        assertEquals("from-env-app", app.serverPassword());
        assertEquals(Duration.ofMillis(2500), app.connectTimeout());
        assertEquals("pg-0.pg.svc", config.pool("db").orElseThrow().shards().get(0).servers().get(0).host());
    }

    @Test
    void onlyWholeValuesAreSubstituted() throws ConfigException {
        PoolerConfig config = parse(config("", "", "", "").replace("app-Secret-2", "pre-${APP_PASSWORD}"), ENV);
        assertEquals("pre-${APP_PASSWORD}", config.pool("db").orElseThrow().users().get("0").password());
    }

    @Test
    void missingVariableIsAnErrorNamingKeyAndVariable() {
        Map<String, String> env = Map.of("PGRUDDER_PORT", "6432", "SERVER_TLS", "false",
                "APP_CONNECT_TIMEOUT", "1", "PG_HOST", "h");
        ConfigException e = failure(TOML, env);
        assertEquals(List.of(
                "general.admin_password: environment variable ADMIN_PASSWORD is not set",
                "pools.db.users.0.password: environment variable APP_PASSWORD is not set"),
                e.errors().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void substitutedValueIsStillValidated() {
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put("PGRUDDER_PORT", "sixty");
        ConfigException e = failure(TOML, env);
        assertEquals(List.of("general.port: expected an integer from 1 to 65535, got a non-integer value from ${PGRUDDER_PORT}"),
                e.errors().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void pgcatPluginPlaceholdersAreNotEnvironmentVariables() throws ConfigException {
        // ${DATABASE} and ${USER} in intercept results are pgcat's own placeholders
        PoolerConfig config = ConfigLoader.load(TestConfigs.resource("pgcat-full.toml"), Map.of());
        assertFalse(config.warnings().isEmpty());
    }
}
