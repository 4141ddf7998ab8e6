package io.pgrudder.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pgrudder.core.config.TestConfigs.errors;
import static io.pgrudder.core.config.TestConfigs.general;
import static io.pgrudder.core.config.TestConfigs.parse;
import static io.pgrudder.core.config.TestConfigs.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pgcat's server_tls / verify_server_certificate, and our server_tls_sslmode / server_tls_ca_file. */
class ServerTlsConfigTest {

    private static ServerTlsMode mode(String generalLines) throws ConfigException {
        return parse(general(generalLines)).general().serverTlsSslmode();
    }

    @Test
    void pgcatKeysMapToSslmodes() throws ConfigException {
        assertEquals(ServerTlsMode.DISABLE, mode(""));
        assertEquals(ServerTlsMode.DISABLE, mode("server_tls = false"));
        assertEquals(ServerTlsMode.REQUIRE, mode("server_tls = true"));
        assertEquals(ServerTlsMode.REQUIRE, mode("server_tls = true\nverify_server_certificate = false"));
        assertEquals(ServerTlsMode.VERIFY_FULL, mode("server_tls = true\nverify_server_certificate = true"));
        assertEquals(List.of(), warnings(parse(general("server_tls = true\nverify_server_certificate = true"))));
    }

    @Test
    void verificationWithoutTlsIsAWarningNotASilentDowngrade() throws ConfigException {
        PoolerConfig config = parse(general("verify_server_certificate = true"));
        assertEquals(ServerTlsMode.DISABLE, config.general().serverTlsSslmode());
        List<String> warnings = warnings(config);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("general.verify_server_certificate: has no effect without server_tls = true"),
                warnings.get(0));
    }

    @Test
    void sslmodeWinsAndSaysWhatItOverrides() throws ConfigException {
        assertEquals(ServerTlsMode.PREFER, mode("server_tls_sslmode = \"prefer\""));
        assertEquals(ServerTlsMode.VERIFY_CA, mode("server_tls_sslmode = \"verify-ca\""));
        PoolerConfig config = parse(general("server_tls = true\nserver_tls_sslmode = \"prefer\""));
        assertEquals(ServerTlsMode.PREFER, config.general().serverTlsSslmode());
        assertEquals(List.of("general.server_tls_sslmode: \"prefer\" wins over server_tls = true /"
                + " verify_server_certificate = false (which mean \"require\")"), warnings(config));
        assertEquals(List.of(), warnings(parse(general("server_tls = true\nserver_tls_sslmode = \"require\""))));
    }

    @Test
    void unknownSslmodeIsAnError() {
        assertEquals(List.of("general.server_tls_sslmode: expected \"disable\", \"prefer\", \"require\", \"verify-ca\""
                + " or \"verify-full\", got \"allow\""), errors(general("server_tls_sslmode = \"allow\"")));
    }

    @Test
    void caFileIsReadAtLoad(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertEquals(List.of("general.server_tls_ca_file: cannot read CA certificates from " + missing + ": no such file"),
                errors(general("server_tls = true\nverify_server_certificate = true\nserver_tls_ca_file = \""
                        + missing + "\"")));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        List<String> garbageErrors = errors(general("server_tls_sslmode = \"verify-ca\"\nserver_tls_ca_file = \""
                + garbage + "\""));
        assertEquals(1, garbageErrors.size());
        assertTrue(garbageErrors.get(0).startsWith("general.server_tls_ca_file: cannot read CA certificates from "
                + garbage + ": "), garbageErrors.get(0));
    }

    @Test
    void caFileWithoutVerificationIsAWarning() throws ConfigException {
        PoolerConfig config = parse(general("server_tls = true\nserver_tls_ca_file = \"/nonexistent/ca.pem\""));
        assertEquals(List.of("general.server_tls_ca_file: is only used to verify server certificates, which"
                + " server_tls_sslmode \"require\" does not do (set verify_server_certificate = true or"
                + " server_tls_sslmode = \"verify-ca\"/\"verify-full\")"), warnings(config));
    }

    @Test
    void noCaFileByDefault() throws ConfigException {
        assertNull(parse(general("")).general().serverTlsCaFile());
    }
}
