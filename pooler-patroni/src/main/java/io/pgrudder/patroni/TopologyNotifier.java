package io.pgrudder.patroni;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.util.concurrent.DefaultThreadFactory;

import io.pgrudder.core.topology.Topology;

/**
 * Hands a source's snapshots to its listeners on one dedicated thread, never on an event loop:
 * each listener gets every newer snapshot in generation order, the newest one when several
 * were published meanwhile, and the current one at once when it subscribes.
 */
final class TopologyNotifier {

    private static final Logger log = LoggerFactory.getLogger(TopologyNotifier.class);

    private final String cluster;
    private final Supplier<Topology> current;
    private final ExecutorService thread;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    TopologyNotifier(String cluster, Supplier<Topology> current) {
        this.cluster = cluster;
        this.current = current;
        this.thread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("pgrudder-topology-" + cluster, true));
    }

    Runnable subscribe(Consumer<Topology> listener) {
        Subscriber subscriber = new Subscriber(Objects.requireNonNull(listener, "listener"));
        subscribers.add(subscriber);
        if (!closed) {
            thread.execute(() -> deliver(subscriber));
        }
        return () -> subscribers.remove(subscriber);
    }

    /** A new snapshot is current: every listener gets it soon. */
    void published() {
        if (!closed) {
            thread.execute(() -> subscribers.forEach(this::deliver));
        }
    }

    void close() {
        closed = true;
        thread.shutdown();
    }

    /** On the notifier thread: hands the newest snapshot to one listener unless it has it. */
    private void deliver(Subscriber subscriber) {
        Topology snapshot = current.get();
        if (closed || snapshot.generation() <= subscriber.delivered) {
            return;
        }
        subscriber.delivered = snapshot.generation();
        try {
            subscriber.listener.accept(snapshot);
        } catch (RuntimeException e) {
            log.error("cluster {}: topology listener {} failed", cluster, subscriber.listener, e);
        }
    }

    /** Only the notifier thread touches {@code delivered}. */
    private static final class Subscriber {
        final Consumer<Topology> listener;
        long delivered;

        Subscriber(Consumer<Topology> listener) {
            this.listener = listener;
        }
    }
}
