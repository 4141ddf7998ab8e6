package io.pgrudder.patroni;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pgrudder.core.topology.DcsWatch;

/** An {@link EtcdWatch.Listener} that records what it is told, for tests to read from any thread. */
final class HeardWatch implements EtcdWatch.Listener {
    final List<String> changed = new CopyOnWriteArrayList<>();
    final List<Optional<PendingSwitchover>> failover = new CopyOnWriteArrayList<>();
    /** Each state change as {@code STATE: detail}. */
    final List<String> states = new CopyOnWriteArrayList<>();

    @Override
    public void keysChanged(DcsState state, List<String> names) {
        changed.addAll(names);
    }

    @Override
    public void failoverKey(Optional<PendingSwitchover> pending) {
        failover.add(pending);
    }

    @Override
    public void stateChanged(DcsWatch state, String detail) {
        states.add(state + ": " + detail);
    }
}
