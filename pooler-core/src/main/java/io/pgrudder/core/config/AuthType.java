package io.pgrudder.core.config;

/** How a client proves who it is (pgcat knows md5 and trust; pgrudder adds scram-sha-256). */
public enum AuthType {
    MD5("md5"),
    TRUST("trust"),
    SCRAM_SHA_256("scram-sha-256");

    private final String configName;

    AuthType(String configName) {
        this.configName = configName;
    }

    /** The spelling pgcat prints (SHOW POOLS, SHOW CONFIG) and accepts in pgcat.toml. */
    public String configName() {
        return configName;
    }
}
