package io.pgrudder.core.routing;

import io.pgrudder.core.config.Role;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Topology;
import io.pgrudder.core.topology.TopologySource;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The current leader of a Patroni cluster, as a {@link TopologySource} publishes it: writes go
 * there, logins are fenced (the server must not be a standby), and while there is no leader,
 * or the leader does not accept connections yet, checkouts wait up to
 * {@code leader_wait_timeout}. A leader held for a pending switchover
 * ({@link Topology#leaderHeld()}) counts as no leader for new checkouts: they wait in the same
 * queue, and its idle connections close; connections busy on it finish and close when returned.
 */
public final class ClusterLeader implements ServerTarget {
    /**
     * What a node in the middle of a role change answers: nothing listens, the connection drops,
     * "the database system is shutting down / starting up" (57P03), "terminating connection due
     * to administrator command" (57P01, 57P02), or a standby where a primary was expected (57P03).
     */
    private static final Set<String> ROLE_CHANGE_STATES = Set.of(
            SqlState.CONNECTION_EXCEPTION, SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
            SqlState.CONNECTION_FAILURE, SqlState.ADMIN_SHUTDOWN, SqlState.CRASH_SHUTDOWN, SqlState.CANNOT_CONNECT_NOW);

    private final TopologySource source;
    private final Duration leaderWaitTimeout;

    public ClusterLeader(TopologySource source, Duration leaderWaitTimeout) {
        this.source = Objects.requireNonNull(source, "source");
        this.leaderWaitTimeout = Objects.requireNonNull(leaderWaitTimeout, "leaderWaitTimeout");
    }

    @Override
    public Optional<ServerAddress> address() {
        return source.current().leaderForNewTransactions().map(ClusterLeader::address);
    }

    @Override
    public boolean requirePrimary() {
        return true;
    }

    @Override
    public Runnable onChange(Runnable listener) {
        return source.subscribe(topology -> listener.run());
    }

    @Override
    public boolean retryable(PgException cause) {
        return ROLE_CHANGE_STATES.contains(cause.sqlState());
    }

    @Override
    public void suspect() {
        source.pollNow();
    }

    @Override
    public Duration waitLimit() {
        return leaderWaitTimeout;
    }

    @Override
    public PgException unavailable(PgException lastFailure) {
        Topology topology = source.current();
        String cluster = "cluster \"" + topology.clusterName() + "\"";
        String limit = "leader_wait_timeout (" + leaderWaitTimeout.toMillis() + " ms)";
        Optional<Member> leader = topology.leader();
        String message;
        if (leader.isEmpty()) {
            message = "no Patroni leader for " + cluster + " within " + limit;
        } else if (topology.leaderHeld()) {
            message = "Patroni leader " + leader.get().name() + " (" + leader.get().address() + ") of " + cluster
                    + " is being switched over and no new leader took over within " + limit;
        } else {
            message = "Patroni leader " + leader.get().name() + " (" + leader.get().address() + ") of " + cluster
                    + " accepted no connection within " + limit;
        }
        String detail = lastFailure == null ? null : "last connection attempt: " + lastFailure.getMessage();
        return new PgException(PgException.Severity.FATAL, SqlState.CANNOT_CONNECT_NOW, message, detail,
                "a switchover or failover may be in progress; retry", null);
    }

    /** Where to connect for a member: its configured host and PostgreSQL port. */
    static ServerAddress address(Member member) {
        return new ServerAddress(member.host(), member.port(), Role.PRIMARY);
    }

    @Override
    public String toString() {
        return "leader of cluster " + source.current().clusterName();
    }
}
