package io.pgrudder.core.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Patroni's REST API authentication ({@code restapi.authentication} in its YAML), which guards
 * its unsafe endpoints ({@code POST /switchover} and the like): keys {@code patroni_api_username}
 * and {@code patroni_api_password} (ours). Sent only with the admin console's SWITCHOVER; GETs need
 * none. The password is never printed.
 */
public record PatroniApiCredentials(String username, String password) {

    public static final PatroniApiCredentials NONE = new PatroniApiCredentials(null, null);

    /** The {@code Authorization} header value (HTTP Basic), when set. */
    public Optional<String> basicAuthorization() {
        if (username == null || password == null) {
            return Optional.empty();
        }
        return Optional.of("Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return username == null ? "PatroniApiCredentials[none]"
                : "PatroniApiCredentials[username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
    }
}
