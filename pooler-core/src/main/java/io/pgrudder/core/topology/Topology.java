package io.pgrudder.core.topology;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of one cluster: its members and who leads, if anyone does right now.
 * Each published snapshot has a larger {@code generation} than the one before.
 *
 * @param clusterName Patroni's {@code scope}, or the configured name until the first answer
 * @param members     every configured member, in configuration order
 * @param leaderName  the member that takes writes, or empty (no leader, switchover in progress,
 *                    two primaries, or the leader's own view disagrees)
 * @param leaderSince when {@code leaderName} last changed (to this member, or to empty)
 * @param timeline    the leader's timeline, or the highest timeline seen when there is no leader
 * @param paused      Patroni's maintenance mode is on (no automatic failover)
 * @param generation  0 before the first poll, then +1 per published change
 * @param leaderHeld  a switchover away from the leader is pending (Patroni's {@code failover} key
 *                    names it and is due): it still leads and finishes what runs on it, but no
 *                    new transaction starts there; they wait as while there is no leader
 */
public record Topology(
        String clusterName,
        List<Member> members,
        Optional<String> leaderName,
        Instant leaderSince,
        long timeline,
        boolean paused,
        long generation,
        boolean leaderHeld) {

    public Topology {
        Objects.requireNonNull(clusterName, "clusterName");
        members = List.copyOf(members);
        Objects.requireNonNull(leaderName, "leaderName");
        Objects.requireNonNull(leaderSince, "leaderSince");
        if (leaderName.isPresent()) {
            String name = leaderName.get();
            if (members.stream().noneMatch(m -> m.name().equals(name))) {
                throw new IllegalArgumentException("leader " + name + " is not a member");
            }
        }
        if (leaderHeld && leaderName.isEmpty()) {
            throw new IllegalArgumentException("only a leader can be held");
        }
    }

    /** A snapshot whose leader, if any, is not held. */
    public Topology(String clusterName, List<Member> members, Optional<String> leaderName, Instant leaderSince,
            long timeline, boolean paused, long generation) {
        this(clusterName, members, leaderName, leaderSince, timeline, paused, generation, false);
    }

    /** The snapshot before anything was polled: no members, no leader, generation 0. */
    public static Topology initial(String clusterName, Instant now) {
        return new Topology(clusterName, List.of(), Optional.empty(), now, 0, false, 0);
    }

    /** The member that leads, held or not; empty while no leader is known. */
    public Optional<Member> leader() {
        return leaderName.flatMap(this::member);
    }

    /**
     * The member new transactions may start on as the leader: the leader unless it is held for a
     * pending switchover; empty while there is none (checkouts then wait for one).
     */
    public Optional<Member> leaderForNewTransactions() {
        return leaderHeld ? Optional.empty() : leader();
    }

    /** The same snapshot with the leader held or not (generation and leaderSince untouched). */
    public Topology withLeaderHeld(boolean held) {
        return held == leaderHeld ? this
                : new Topology(clusterName, members, leaderName, leaderSince, timeline, paused, generation, held);
    }

    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The members that may serve reads (see {@link Member#isHealthyReplica(long)}), in order. */
    public List<Member> healthyReplicas(long maxLagBytes) {
        return members.stream().filter(m -> m.isHealthyReplica(maxLagBytes)).collect(Collectors.toList());
    }

    /** Same cluster state, ignoring {@code generation} and {@code leaderSince}. */
    public boolean sameStateAs(Topology other) {
        return other != null
                && clusterName.equals(other.clusterName)
                && members.equals(other.members)
                && leaderName.equals(other.leaderName)
                && timeline == other.timeline
                && paused == other.paused
                && leaderHeld == other.leaderHeld;
    }

    /** A copy with the next generation, {@code leaderSince} kept unless the leader changed. */
    public Topology succeeding(Topology previous, Instant now) {
        Instant since = previous.leaderName.equals(leaderName) ? previous.leaderSince : now;
        return new Topology(clusterName, members, leaderName, since, timeline, paused, previous.generation + 1,
                leaderHeld);
    }

    @Override
    public String toString() {
        return "cluster " + clusterName + " gen " + generation + ": leader " + leaderName.orElse("(none)")
                + (leaderHeld ? " (held: switchover pending)" : "") + " tl " + timeline + (paused ? " paused" : "") + " "
                + members;
    }
}
