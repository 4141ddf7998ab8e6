package io.pgrudder.core.notify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which subscriber listens on which channel, both ways, and so which channels the listening
 * connection must LISTEN on: the union of everyone's. Each change says whether the union
 * changed, so the caller knows when to send LISTEN or UNLISTEN. Not thread-safe: confined to
 * the {@link NotificationHub}'s loop. Subscribers are told apart by identity.
 */
public final class Subscriptions<S> {
    private final Map<String, Set<S>> byChannel = new LinkedHashMap<>();
    private final Map<S, Set<String>> bySubscriber = new java.util.IdentityHashMap<>();

    /** Subscribes; true when nobody listened on {@code channel} before (it must be LISTENed). */
    public boolean add(S subscriber, String channel) {
        bySubscriber.computeIfAbsent(subscriber, s -> new LinkedHashSet<>()).add(channel);
        Set<S> subscribers = byChannel.computeIfAbsent(channel, c -> Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        boolean first = subscribers.isEmpty();
        subscribers.add(subscriber);
        return first;
    }

    /** Unsubscribes; true when nobody listens on {@code channel} any more (it can be UNLISTENed). */
    public boolean remove(S subscriber, String channel) {
        Set<String> channels = bySubscriber.get(subscriber);
        if (channels == null || !channels.remove(channel)) {
            return false;
        }
        if (channels.isEmpty()) {
            bySubscriber.remove(subscriber);
        }
        Set<S> subscribers = byChannel.get(channel);
        subscribers.remove(subscriber);
        if (subscribers.isEmpty()) {
            byChannel.remove(channel);
            return true;
        }
        return false;
    }

    /** Unsubscribes from every channel; returns the channels nobody listens on any more. */
    public List<String> removeAll(S subscriber) {
        Set<String> channels = bySubscriber.get(subscriber);
        if (channels == null) {
            return List.of();
        }
        List<String> emptied = new ArrayList<>();
        for (String channel : List.copyOf(channels)) {
            if (remove(subscriber, channel)) {
                emptied.add(channel);
            }
        }
        return emptied;
    }

    /** Who listens on {@code channel} (a view; empty when nobody). */
    public Set<S> subscribers(String channel) {
        Set<S> subscribers = byChannel.get(channel);
        return subscribers == null ? Set.of() : Collections.unmodifiableSet(subscribers);
    }

    /** Whether {@code subscriber} listens on {@code channel}. */
    public boolean contains(S subscriber, String channel) {
        return subscribers(channel).contains(subscriber);
    }

    /** The channels anyone listens on, in the order they were first listened on. */
    public Set<String> channels() {
        return Collections.unmodifiableSet(byChannel.keySet());
    }

    /** The channels {@code subscriber} listens on. */
    public Set<String> channelsOf(S subscriber) {
        Set<String> channels = bySubscriber.get(subscriber);
        return channels == null ? Set.of() : Collections.unmodifiableSet(channels);
    }

    public boolean isEmpty() {
        return byChannel.isEmpty();
    }
}
