package io.pgrudder.core.config;

/** How a replica (or any server) is picked among the candidates. */
public enum LoadBalancingMode {
    RANDOM("random"),
    LEAST_OUTSTANDING_CONNECTIONS("least_outstanding_connections");

    private final String configName;

    LoadBalancingMode(String configName) {
        this.configName = configName;
    }

    /** The spelling pgcat prints (SHOW POOLS, SHOW CONFIG) and accepts in pgcat.toml. */
    public String configName() {
        return configName;
    }
}
