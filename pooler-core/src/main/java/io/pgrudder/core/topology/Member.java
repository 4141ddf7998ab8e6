package io.pgrudder.core.topology;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One member of the cluster as the topology source last saw it. {@code host} and {@code port}
 * are where the pooler connects to PostgreSQL (the pool's configured server address).
 *
 * @param name        the member's name (Patroni's {@code name}), or {@code host:port} while unknown
 * @param state       the member's state in its source's words ({@code running}, {@code streaming},
 *                    {@code stopped}, {@code starting}, ...), {@code unknown} when not known
 * @param lagBytes    replication lag in bytes; empty on the leader and when the source says
 *                    it is unknown
 * @param timeline    PostgreSQL timeline, 0 when not known
 * @param noLoadBalance tagged {@code noloadbalance}: never route reads to it
 * @param noFailover  tagged {@code nofailover}: never becomes leader (informational)
 * @param lastPoll    how the last poll of this member went
 */
public record Member(
        String name,
        String host,
        int port,
        MemberRole role,
        String state,
        OptionalLong lagBytes,
        long timeline,
        boolean noLoadBalance,
        boolean noFailover,
        PollResult lastPoll) {

    public static final String STATE_RUNNING = "running";
    public static final String STATE_STREAMING = "streaming";
    public static final String STATE_UNKNOWN = "unknown";

    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lagBytes, "lagBytes");
        Objects.requireNonNull(lastPoll, "lastPoll");
    }

    /** {@code host:port} of this member's PostgreSQL. */
    public String address() {
        return host + ":" + port;
    }

    /** PostgreSQL is up and serving ({@code running}, or {@code streaming} from the leader). */
    public boolean isRunning() {
        return STATE_RUNNING.equals(state) || STATE_STREAMING.equals(state);
    }

    /**
     * May serve reads: a replica (async, sync or quorum) that is running or streaming, not tagged
     * {@code noloadbalance}, and at most {@code maxLagBytes} behind. A replica whose lag is
     * unknown is healthy only when there is no limit ({@code Long.MAX_VALUE}).
     */
    public boolean isHealthyReplica(long maxLagBytes) {
        if (!role.isReplica() || !isRunning() || noLoadBalance) {
            return false;
        }
        if (lagBytes.isEmpty()) {
            return maxLagBytes == Long.MAX_VALUE;
        }
        return lagBytes.getAsLong() <= maxLagBytes;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(name).append('@').append(address())
                .append(' ').append(role.name().toLowerCase(java.util.Locale.ROOT)).append('/').append(state);
        lagBytes.ifPresent(l -> s.append(" lag=").append(l));
        if (noLoadBalance) {
            s.append(" noloadbalance");
        }
        if (noFailover) {
            s.append(" nofailover");
        }
        if (!lastPoll.ok()) {
            s.append(" poll=").append(lastPoll);
        }
        return s.toString();
    }
}
