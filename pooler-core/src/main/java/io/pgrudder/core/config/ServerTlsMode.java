package io.pgrudder.core.config;

/**
 * How pgrudder protects its connections to PostgreSQL, in PgBouncer's {@code server_tls_sslmode}
 * (and libpq's {@code sslmode}) words. pgcat's two booleans map onto it: {@code server_tls = false}
 * is {@link #DISABLE}, {@code server_tls = true} is {@link #REQUIRE}, and with
 * {@code verify_server_certificate = true} it is {@link #VERIFY_FULL}; pgrudder's own key
 * {@code server_tls_sslmode} names a mode directly and wins over both.
 */
public enum ServerTlsMode {
    /** No SSLRequest: plaintext. */
    DISABLE("disable"),
    /** TLS when the server offers it, plaintext when it answers 'N' (pgcat 1.3's behaviour); no certificate check. */
    PREFER("prefer"),
    /** TLS or no connection; the certificate is not checked. */
    REQUIRE("require"),
    /** TLS, and the certificate chain must lead to a trusted CA. */
    VERIFY_CA("verify-ca"),
    /** {@link #VERIFY_CA}, and the certificate must name the host pgrudder connected to. */
    VERIFY_FULL("verify-full");

    private final String configName;

    ServerTlsMode(String configName) {
        this.configName = configName;
    }

    /** The spelling in pgcat.toml and SHOW CONFIG. */
    public String configName() {
        return configName;
    }

    /** pgcat's meaning of its two keys. */
    public static ServerTlsMode of(boolean serverTls, boolean verifyServerCertificate) {
        if (!serverTls) {
            return DISABLE;
        }
        return verifyServerCertificate ? VERIFY_FULL : REQUIRE;
    }

    /** Sends SSLRequest. */
    public boolean usesTls() {
        return this != DISABLE;
    }

    /** Checks the certificate chain against trusted CAs. */
    public boolean verifiesCertificate() {
        return this == VERIFY_CA || this == VERIFY_FULL;
    }
}
