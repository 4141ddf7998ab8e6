package io.pgrudder.patroni;

import java.util.Objects;

import io.pgrudder.core.topology.PollResult;

/** The end of one GET: a 200 body, or why there is none. {@code body} is null unless OK. */
record HttpOutcome(PollResult result, String body) {
    HttpOutcome {
        Objects.requireNonNull(result, "result");
        if (result.ok() != (body != null)) {
            throw new IllegalArgumentException("a body exactly when OK");
        }
    }

    static HttpOutcome ok(String body) {
        return new HttpOutcome(PollResult.OK, body);
    }

    static HttpOutcome failed(PollResult result) {
        return new HttpOutcome(result, null);
    }
}
