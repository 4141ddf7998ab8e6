package io.pgrudder.core.notify;

import io.pgrudder.protocol.backend.ErrorResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one listening connection was told and still owes: the LISTENs and UNLISTENs sent and not
 * answered yet, in order, with what waits for each LISTEN's answer, and the channels its server
 * confirmed. It tells whether a new LISTEN can wait for one in flight, is confirmed already, or
 * needs its own (behind an UNLISTEN in flight, an earlier LISTEN's answer must not confirm it). Not
 * thread-safe: confined to the {@link NotificationHub}'s loop.
 *
 * @param <W> what waits for a LISTEN's answer
 */
final class ChannelCommands<W> {
    /** One command's answer: its waiters, and the server's error if it failed. */
    record Answer<W>(String channel, boolean listen, List<W> waiters, ErrorResponse error) {
    }

    private static final class Command<W> {
        final String channel;
        final boolean listen;
        final List<W> waiters = new ArrayList<>(1);
        ErrorResponse error;

        Command(String channel, boolean listen) {
            this.channel = channel;
            this.listen = listen;
        }
    }

    private final Set<String> confirmed = new HashSet<>();
    /** Per channel, the last command sent for it that is not answered yet. */
    private final Map<String, Command<W>> lastSent = new HashMap<>();
    private final ArrayDeque<Command<W>> inFlight = new ArrayDeque<>();

    /** Whether the server confirmed LISTENing on {@code channel} and nothing about it is in flight. */
    boolean confirmed(String channel) {
        return !lastSent.containsKey(channel) && confirmed.contains(channel);
    }

    /** Whether the server listens on {@code channel} once what was sent is answered (if it all succeeds). */
    boolean listening(String channel) {
        Command<W> last = lastSent.get(channel);
        return last != null ? last.listen : confirmed.contains(channel);
    }

    /** A LISTEN (with its waiter, or null) or an UNLISTEN was sent. */
    void sent(String channel, boolean listen, W waiter) {
        Command<W> command = new Command<>(channel, listen);
        if (waiter != null) {
            command.waiters.add(waiter);
        }
        inFlight.add(command);
        lastSent.put(channel, command);
    }

    /** Adds a waiter to the LISTEN in flight for {@code channel}; false when there is none. */
    boolean join(String channel, W waiter) {
        Command<W> last = lastSent.get(channel);
        if (last == null || !last.listen) {
            return false;
        }
        last.waiters.add(waiter);
        return true;
    }

    /** The server's ErrorResponse: for the command it is answering. False when none was in flight. */
    boolean error(ErrorResponse error) {
        Command<W> head = inFlight.peek();
        if (head == null) {
            return false;
        }
        head.error = error;
        return true;
    }

    /** A ReadyForQuery: the oldest command is answered; null when none was in flight. */
    Answer<W> readyForQuery() {
        Command<W> done = inFlight.poll();
        if (done == null) {
            return null;
        }
        if (lastSent.get(done.channel) == done) {
            lastSent.remove(done.channel);
        }
        if (done.error == null) {
            if (done.listen) {
                confirmed.add(done.channel);
            } else {
                confirmed.remove(done.channel);
            }
        }
        return new Answer<>(done.channel, done.listen, List.copyOf(done.waiters), done.error);
    }

    /** Every waiter of a LISTEN in flight, taken from it (they will get no answer from this connection). */
    List<W> takeWaiters() {
        List<W> waiting = new ArrayList<>();
        for (Command<W> c : inFlight) {
            waiting.addAll(c.waiters);
            c.waiters.clear();
        }
        return waiting;
    }

    /** The connection is gone: nothing is listened on, nothing is owed. */
    void clear() {
        confirmed.clear();
        lastSent.clear();
        inFlight.clear();
    }
}
