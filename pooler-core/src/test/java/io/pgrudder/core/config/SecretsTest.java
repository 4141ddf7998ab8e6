package io.pgrudder.core.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.pgrudder.core.config.TestConfigs.ADMIN_PASSWORD;
import static io.pgrudder.core.config.TestConfigs.USER_PASSWORD;
import static io.pgrudder.core.config.TestConfigs.config;
import static io.pgrudder.core.config.TestConfigs.failure;
import static io.pgrudder.core.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Passwords never appear in toString, problems or exception messages. */
class SecretsTest {
    private static final String AUTH_QUERY_PASSWORD = "aq-Secret-3";
    private static final String SERVER_PASSWORD = "srv-Secret-4";

    @Test
    void toStringMasksEveryPassword() throws ConfigException {
        PoolerConfig config = parse(config(
                "auth_query = \"SELECT usename, passwd FROM pg_shadow WHERE usename='$1'\"\n"
                        + "auth_query_user = \"aq\"\nauth_query_password = \"" + AUTH_QUERY_PASSWORD + "\"",
                "", "server_password = \"" + SERVER_PASSWORD + "\"", ""));
        String text = config.toString();
        assertNoSecret(text);
        assertTrue(text.contains("adminPassword=***"), text);
        assertTrue(text.contains("authQueryPassword=***"), text);
        assertTrue(text.contains("password=***"), text);
        assertTrue(text.contains("serverPassword=***"), text);
        assertTrue(text.contains("username=app"), text);
        assertNoSecret(config.general().toString());
        assertNoSecret(config.pool("db").orElseThrow().toString());
        assertNoSecret(config.pool("db").orElseThrow().users().get("0").toString());
    }

    @Test
    void theAuthMockSecretIsMaskedAndAShortOneRefusedWithoutEchoingIt() throws ConfigException {
        String mock = "mock-Secret-5-0123456789";
        PoolerConfig config = parse(config("auth_mock_secret = \"" + mock + "\"", "", "", ""));
        assertTrue(mock.equals(config.general().authMockSecret()));
        assertFalse(config.toString().contains(mock), config.toString());
        assertTrue(config.general().toString().contains("authMockSecret=***"), config.general().toString());
        String message = failure(config("auth_mock_secret = \"short-5\"", "", "", "")).getMessage();
        assertTrue(message.contains("general.auth_mock_secret: is shorter than 16 characters"), message);
        assertFalse(message.contains("short-5"), message);
    }

    @Test
    void badlyTypedPasswordsAreNotEchoed() {
        String toml = config("", "auth_query_password = 98765431", "", "")
                .replace("\"" + ADMIN_PASSWORD + "\"", "12345678")
                .replace("\"" + USER_PASSWORD + "\"", "true");
        ConfigException e = failure(toml);
        assertTrue(e.getMessage().contains("general.admin_password: expected a string, got an integer"), e.getMessage());
        assertTrue(e.getMessage().contains("pools.db.users.0.password: expected a string, got a boolean"), e.getMessage());
        assertFalse(e.getMessage().contains("12345678"), e.getMessage());
        assertFalse(e.getMessage().contains("98765431"), e.getMessage());
        for (ConfigProblem p : e.problems()) {
            assertFalse(p.toString().contains("12345678"));
        }
    }

    @Test
    void failingFileWithSecretsDoesNotLeakThem() {
        String toml = config("port = \"x\"", "", "server_password = \"" + SERVER_PASSWORD + "\"", "");
        ConfigException e = failure(toml);
        assertNoSecret(e.getMessage());
        assertNoSecret(e.problems().toString());
    }

    @Test
    void environmentSecretsAreNotEchoed() {
        String toml = config("", "", "", "").replace("\"" + USER_PASSWORD + "\"", "\"${APP_PW}\"")
                .replace("[pools.db]\n", "[pools.db]\nprepared_statements_cache_size = \"${APP_PW}\"\n");
        ConfigException e = failure(toml, Map.of("APP_PW", "env-Secret-5"));
        assertFalse(e.getMessage().contains("env-Secret-5"), e.getMessage());
    }

    private static void assertNoSecret(String text) {
        for (String secret : new String[] {ADMIN_PASSWORD, USER_PASSWORD, AUTH_QUERY_PASSWORD, SERVER_PASSWORD}) {
            assertFalse(text.contains(secret), () -> "leaks " + secret + ": " + text);
        }
    }
}
