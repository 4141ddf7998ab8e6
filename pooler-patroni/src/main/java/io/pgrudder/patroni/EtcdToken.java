package io.pgrudder.patroni;

import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pgrudder.core.config.PatroniEtcdSettings;

/**
 * etcd's authentication for one {@link EtcdWatch} ({@code patroni_etcd_username}): the token
 * {@code /v3/auth/authenticate} gave, sent in {@code Authorization} with every request, dropped
 * when a request fails so that the next attempt authenticates again. The token is confined to
 * the watch's loop ({@link #take} there); {@link #ask} may complete on any loop. A failure's
 * reason never holds the password, whatever answered at etcd's address.
 */
final class EtcdToken {

    /** One authentication's outcome: a token, or why there is none. */
    record Answer(String token, String failure) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PatroniEtcdSettings settings;
    private final PatroniHttpClient http;
    private String token;
    /** Written on the watch's loop only. */
    private volatile long issued;

    EtcdToken(PatroniEtcdSettings settings, PatroniHttpClient http) {
        this.settings = settings;
        this.http = http;
    }

    /** Whether the watch authenticates at all. */
    boolean needed() {
        return settings.username() != null;
    }

    /** The token to send, or null. */
    String current() {
        return token;
    }

    void drop() {
        token = null;
    }

    /** How many tokens etcd gave (for tests; any thread). */
    long issued() {
        return issued;
    }

    /** Asks {@code host} for a token; never completes exceptionally. */
    CompletableFuture<Answer> ask(PatroniEtcdSettings.Endpoint host) {
        return http.post(host.host(), host.port(), "/v3/auth/authenticate",
                        EtcdGatewayJson.authenticateRequest(settings.username(), settings.password()))
                .handle((outcome, error) -> {
                    if (error != null || !outcome.result().ok()) {
                        String why = error != null ? PatroniHttpClient.brief(error) : outcome.result().toString();
                        return new Answer(null, masked(why));
                    }
                    String t = tokenOf(outcome.body());
                    return t == null ? new Answer(null, "the answer has no token") : new Answer(t, null);
                });
    }

    /** On the watch's loop: keeps the answer's token; returns why there is none, or null. */
    String take(Answer answer) {
        if (answer.token() == null) {
            return "authentication as " + settings.username() + " failed: " + answer.failure();
        }
        token = answer.token();
        issued++;
        return null;
    }

    /**
     * etcd did not take the token: an expired or revoked simple token is 401 "invalid auth token";
     * an expired JWT fails its check and the request counts as anonymous, 400 "user name is empty".
     */
    static boolean refused(String reason) {
        return reason.startsWith("HTTP 401") || reason.contains("invalid auth token")
                || reason.startsWith("HTTP 400") && reason.contains("user name is empty");
    }

    private String masked(String text) {
        return text.replace(settings.password(), "(the password)");
    }

    private static String tokenOf(String body) {
        try {
            String t = JSON.readTree(body).path("token").asText(null);
            return t == null || t.isEmpty() ? null : t;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
