package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.pgrudder.core.topology.PollResult;

/** Which answers to POST /switchover leave the outcome open (the pooler then waits for the topology). */
class PatroniSwitchoverTest {

    @Test
    void sentButWithoutAVerdictMayStillHappen() {
        assertTrue(PatroniSwitchover.mayStillHappen(PollResult.timeout("no answer in 30000 ms")));
        assertTrue(PatroniSwitchover.mayStillHappen(PollResult.closed("closed before a complete answer")));
        assertTrue(PatroniSwitchover.mayStillHappen(PollResult.badResponse("HTTP 503: Switchover status unknown")));
    }

    @Test
    void notSentOrAVerdictDoesNot() {
        assertFalse(PatroniSwitchover.mayStillHappen(PollResult.timeout("connect timed out")));
        assertFalse(PatroniSwitchover.mayStillHappen(PollResult.refused("connection refused")));
        assertFalse(PatroniSwitchover.mayStillHappen(PollResult.closed("connect failed: no route to host")));
        assertFalse(PatroniSwitchover.mayStillHappen(PollResult.badResponse(
                "HTTP 412: switchover is not possible: no good candidates have been found")));
        assertFalse(PatroniSwitchover.mayStillHappen(PollResult.badResponse("HTTP 503: Switchover failed")));
        assertFalse(PatroniSwitchover.mayStillHappen(PollResult.badResponse("HTTP 401: no auth header received")));
    }
}
