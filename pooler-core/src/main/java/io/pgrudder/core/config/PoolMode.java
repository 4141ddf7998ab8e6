package io.pgrudder.core.config;

/** How a server connection is shared: for one transaction or for the whole client session. */
public enum PoolMode {
    TRANSACTION("transaction"),
    SESSION("session");

    private final String configName;

    PoolMode(String configName) {
        this.configName = configName;
    }

    /** The spelling pgcat prints (SHOW POOLS, SHOW CONFIG) and accepts in pgcat.toml. */
    public String configName() {
        return configName;
    }
}
