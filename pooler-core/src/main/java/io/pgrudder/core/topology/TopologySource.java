package io.pgrudder.core.topology;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the pooler learns which member leads. Implementations poll something (Patroni's REST
 * API) and publish immutable {@link Topology} snapshots.
 */
public interface TopologySource extends AutoCloseable {

    /** The newest snapshot; never null (generation 0 and no leader before the first poll). */
    Topology current();

    /**
     * Calls {@code listener} with every new snapshot, in generation order, each time something
     * relevant changed, and once at once with the current snapshot if one was already published.
     * Listeners run on the source's own notification thread, never on a Netty event loop, so a
     * slow listener delays only later notifications; they must not throw.
     *
     * @return ends the subscription (a retired pool lets go of its source); idempotent
     */
    Runnable subscribe(Consumer<Topology> listener);

    /**
     * Asks for a poll right away (for example after a server connection for writes turned out to
     * be a standby). Returns at once; concurrent requests are coalesced into one poll.
     */
    void pollNow();

    /** How the source's watch of Patroni's DCS stands; {@link DcsWatch#OFF} when it has none. */
    default DcsWatch dcsWatch() {
        return DcsWatch.OFF;
    }

    /** A planned switchover this source can ask its cluster for; empty when it cannot. */
    default Optional<Switchover> switchover() {
        return Optional.empty();
    }

    /** Stops polling and notifying; idempotent. */
    @Override
    void close();
}
