package io.pgrudder.core.config;

/** Where queries go when the client did not pick a role. */
public enum DefaultRole {
    ANY("any"),
    PRIMARY("primary"),
    REPLICA("replica");

    private final String configName;

    DefaultRole(String configName) {
        this.configName = configName;
    }

    /** The spelling pgcat prints (SHOW POOLS, SHOW CONFIG) and accepts in pgcat.toml. */
    public String configName() {
        return configName;
    }
}
