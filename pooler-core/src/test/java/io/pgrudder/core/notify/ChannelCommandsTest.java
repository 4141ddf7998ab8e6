package io.pgrudder.core.notify;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.ErrorResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a LISTEN counts as confirmed on the listening connection, in the order its answers come. */
class ChannelCommandsTest {
    private final ChannelCommands<String> commands = new ChannelCommands<>();

    @Test
    void aListenIsConfirmedByItsOwnAnswerAndLaterOnesNeedNoCommand() {
        assertFalse(commands.join("ch", "a"), "nothing in flight to wait for");
        assertFalse(commands.confirmed("ch"));
        commands.sent("ch", true, "a");
        assertTrue(commands.join("ch", "b"), "B waits for A's LISTEN in flight");
        assertFalse(commands.confirmed("ch"), "not before the server answered");
        ChannelCommands.Answer<String> answer = commands.readyForQuery();
        assertEquals(new ChannelCommands.Answer<>("ch", true, List.of("a", "b"), null), answer);
        assertTrue(commands.confirmed("ch"));
        assertFalse(commands.join("ch", "c"), "confirmed: C needs no command, the caller answers it");
        assertNull(commands.readyForQuery(), "nothing owed");
    }

    @Test
    void behindAnUnlistenInFlightAnEarlierListensAnswerDoesNotConfirmANewListen() {
        commands.sent("ch", true, "a");
        commands.sent("ch", false, null);
        assertFalse(commands.listening("ch"), "once the UNLISTEN is answered, nothing is listened on");
        assertFalse(commands.join("ch", "b"), "B must not wait for the LISTEN before the UNLISTEN");
        commands.sent("ch", true, "b");
        assertEquals(List.of("a"), commands.readyForQuery().waiters());
        assertFalse(commands.confirmed("ch"), "the UNLISTEN and B's LISTEN are still in flight");
        assertEquals(List.of(), commands.readyForQuery().waiters());
        assertEquals(List.of("b"), commands.readyForQuery().waiters());
        assertTrue(commands.confirmed("ch"));
        assertTrue(commands.listening("ch"));
    }

    @Test
    void aFailedListenConfirmsNothingAndAnErrorGoesToTheCommandItAnswers() {
        assertFalse(commands.error(ErrorResponse.from(PgException.error("25006", "cannot execute LISTEN during recovery"))),
                "an error with nothing in flight is nobody's");
        commands.sent("ch", true, "a");
        commands.sent("other", true, "b");
        assertTrue(commands.error(ErrorResponse.from(PgException.error("25006", "cannot execute LISTEN during recovery"))));
        ChannelCommands.Answer<String> failed = commands.readyForQuery();
        assertEquals("25006", failed.error().sqlState());
        assertEquals(List.of("a"), failed.waiters());
        assertFalse(commands.confirmed("ch"));
        assertNull(commands.readyForQuery().error(), "the next answer is the next command's");
        assertTrue(commands.confirmed("other"));
    }

    @Test
    void whenTheConnectionGoesItsWaitersAreTakenAndNothingIsListenedOn() {
        commands.sent("ch", true, "a");
        commands.readyForQuery();
        commands.sent("other", true, "b");
        commands.sent("ch", false, null);
        assertEquals(List.of("b"), commands.takeWaiters());
        commands.clear();
        assertFalse(commands.confirmed("ch"));
        assertFalse(commands.listening("other"));
        assertNull(commands.readyForQuery());
    }
}
