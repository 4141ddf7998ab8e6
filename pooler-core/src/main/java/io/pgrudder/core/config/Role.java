package io.pgrudder.core.config;

/** Role of a server in a shard, as written in {@code servers = [[host, port, role]]}. */
public enum Role {
    PRIMARY("primary"),
    REPLICA("replica"),
    MIRROR("mirror");

    private final String configName;

    Role(String configName) {
        this.configName = configName;
    }

    /** The spelling pgcat prints (SHOW POOLS, SHOW CONFIG) and accepts in pgcat.toml. */
    public String configName() {
        return configName;
    }
}
