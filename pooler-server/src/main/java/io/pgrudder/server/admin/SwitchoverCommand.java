package io.pgrudder.server.admin;

import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolMode;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.topology.Member;
import io.pgrudder.core.topology.Switchover;
import io.pgrudder.core.topology.TopologySource;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.ReadyForQuery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code SWITCHOVER [db] [TO member]} (ours): a planned Patroni switchover that no client of this
 * pooler sees as an error. In order:
 * <ol>
 * <li>hold the leader: new transactions wait, as while there is no leader (other pooler replicas
 *     that watch the DCS hold too once Patroni writes its {@code failover} key);</li>
 * <li>wait until the transactions running on the leader have finished (at most a third of the
 *     pool's {@code leader_wait_timeout}, so that the held ones still have time to start on the
 *     new leader; past that nothing was asked of Patroni, the hold ends and the command fails with
 *     57014);</li>
 * <li>wait until a member that may take over (the one named) has received all the WAL the leader
 *     has written by then, so every commit this pooler acknowledged is on it (until two thirds of
 *     the budget; past that Patroni is not asked, the hold ends and the command fails with 55000):
 *     with asynchronous replication Patroni would promote a candidate up to
 *     {@code maximum_lag_on_failover} behind, or one not streaming yet, and those commits would be
 *     lost;</li>
 * <li>{@code POST /switchover} to the leader's Patroni, which answers when the switchover is done;</li>
 * <li>wait until the pooler confirms the new leader (its own {@code /patroni} says primary), then
 *     end the hold: the held transactions start there.</li>
 * </ol>
 * Whatever fails ends the hold, so traffic goes on where Patroni leaves the leader; all of it fits
 * in {@code leader_wait_timeout} (the named pool's, else the longest of the cluster's), the time a
 * held client may wait, and a guard ends the hold past it whatever else happened. A request Patroni
 * got but gave no verdict on keeps the hold until a new leader or the deadline. {@code db} may be
 * left out when one Patroni cluster is configured. A client whose server connection stays its own
 * (session mode, or pinned) is waited for while it runs a statement or a transaction, not between
 * them: like a direct connection, it then sees the old leader shut down.
 */
final class SwitchoverCommand {
    private static final Logger log = LoggerFactory.getLogger(SwitchoverCommand.class);

    private final Pooler pooler;
    private final Waiting waiting;

    SwitchoverCommand(Pooler pooler, Waiting waiting) {
        this.pooler = pooler;
        this.waiting = waiting;
    }

    /** {@code words}: what follows SWITCHOVER. */
    CompletableFuture<ResultTable> run(String[] words) {
        String db = null;
        String to = null;
        int i = 0;
        if (i < words.length && !words[i].equalsIgnoreCase("TO")) {
            db = unquote(words[i++]);
        }
        if (i < words.length) {
            if (!words[i].equalsIgnoreCase("TO") || i + 1 >= words.length) {
                throw syntax();
            }
            to = unquote(words[i + 1]);
            i += 2;
        }
        if (i < words.length) {
            throw syntax();
        }
        PoolConfig pool = pool(db);
        TopologySource source = pooler.topologySource(pool.name()).orElseThrow(() -> PgException.error(
                SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER: pool \"" + pool.name() + "\" has no Patroni poller"));
        Switchover switchover = source.switchover().orElseThrow(() -> PgException.error(SqlState.FEATURE_NOT_SUPPORTED,
                "SWITCHOVER: the topology source of pool \"" + pool.name() + "\" cannot switch over"));
        // The named pool's leader_wait_timeout, else the longest of the cluster's pools: a pool that
        // waits less sees 57P03 during the switchover, as during any leader change it waits for.
        Duration budget = db != null ? pool.patroni().leaderWaitTimeout()
                : poolsConfiguredOn(source).stream().map(p -> p.patroni().leaderWaitTimeout())
                        .max(Duration::compareTo).orElse(pool.patroni().leaderWaitTimeout());
        long started = System.nanoTime();
        Optional<String> candidate = Optional.ofNullable(to);
        return switchover.hold(candidate).thenCompose(hold -> {
            CompletableFuture<String> run;
            try {
                run = drainAskAndFollow(source, hold, candidate, budget, started);
            } catch (RuntimeException e) {
                run = CompletableFuture.failedFuture(e);
            }
            String cluster = source.current().clusterName();
            return run
                    // Whatever happens on the way, the hold never outlives the budget.
                    .orTimeout(budget.toMillis() + 1000, TimeUnit.MILLISECONDS)
                    .exceptionally(e -> {
                        if (unwrap(e) instanceof TimeoutException) {
                            throw PgException.error(SqlState.QUERY_CANCELED, "SWITCHOVER: not done within "
                                    + "leader_wait_timeout (" + budget.toMillis() + " ms)");
                        }
                        throw new CompletionException(unwrap(e));
                    })
                    // The command answers once the hold is gone from the published topology.
                    .handle((newLeader, e) -> hold.release().handle((x, ignored) -> {
                        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                        if (e == null) {
                            log.info("SWITCHOVER of cluster {}: {} leads, after {} ms; the held transactions start there",
                                    cluster, newLeader, ms);
                            return newLeader;
                        }
                        log.warn("SWITCHOVER of cluster {} failed after {} ms, {} takes new transactions again: {}",
                                cluster, ms, hold.leader(), unwrap(e).getMessage());
                        throw new CompletionException(unwrap(e));
                    }))
                    .thenCompose(f -> f)
                    .thenApply(newLeader -> ResultTable.show()
                            .text("cluster", "old_leader", "new_leader").number("held_ms")
                            .row(cluster, hold.leader(), newLeader,
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        });
    }

    /** With the leader held: the drain, Patroni's answer, the new leader; its name, or why not. */
    private CompletableFuture<String> drainAskAndFollow(TopologySource source, Switchover.Hold hold,
                                                        Optional<String> candidate, Duration budget, long started) {
        Optional<Member> leader = source.current().member(hold.leader());
        Duration drainLimit = budget.dividedBy(3);
        String cluster = source.current().clusterName();
        log.info("SWITCHOVER of cluster {}: {} held for new transactions; waiting up to {} ms for the ones running on it",
                cluster, hold.leader(), drainLimit.toMillis());
        return waiting.until(() -> running(poolsOf(source), leader), drainLimit, n -> PgException.error(
                        SqlState.QUERY_CANCELED, "SWITCHOVER: " + n + " transaction(s) still running on " + hold.leader()
                                + " after " + drainLimit.toMillis() + " ms (a third of leader_wait_timeout); Patroni was"
                                + " not asked, and " + hold.leader() + " takes new transactions again"))
                .thenCompose(x -> {
                    // Until two thirds of the budget: the last third is Patroni's, to demote and promote.
                    Duration catchUpLimit = left(started, budget.minus(budget.dividedBy(3)));
                    log.info("SWITCHOVER of cluster {}: nothing runs on {}; waiting up to {} ms for {} to have all its WAL",
                            cluster, hold.leader(), catchUpLimit.toMillis(), candidate.orElse("a member that may take over"));
                    return hold.caughtUp(catchUpLimit);
                })
                .thenCompose(caughtUp -> {
                    log.info("SWITCHOVER of cluster {}: {}; POST /switchover{}", cluster, caughtUp,
                            candidate.map(c -> " to " + c).orElse(""));
                    return hold.request(left(started, budget));
                })
                .thenCompose(answer -> hold.newLeader()
                        .orTimeout(left(started, budget).toMillis(), TimeUnit.MILLISECONDS)
                        .exceptionally(e -> {
                            if (unwrap(e) instanceof TimeoutException) {
                                throw PgException.error(SqlState.CANNOT_CONNECT_NOW, "SWITCHOVER: Patroni answered \""
                                        + answer + "\" but no new leader was confirmed within leader_wait_timeout ("
                                        + budget.toMillis() + " ms); whether it switches over is not known");
                            }
                            throw new CompletionException(unwrap(e));
                        }));
    }

    private static Duration left(long started, Duration budget) {
        return Duration.ofMillis(Math.max(1, budget.minusNanos(System.nanoTime() - started).toMillis()));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private PoolConfig pool(String db) {
        List<PoolConfig> patroni = pooler.config().pools().values().stream()
                .filter(p -> p.patroni().usePatroniApi()).toList();
        if (db != null) {
            PoolConfig pool = pooler.config().pools().get(db);
            if (pool == null) {
                throw PgException.error(SqlState.INVALID_CATALOG_NAME, "SWITCHOVER: no database \"" + db + "\"");
            }
            if (!pool.patroni().usePatroniApi()) {
                throw PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER: database \"" + db
                        + "\" does not follow Patroni (use_patroni_api = false)");
            }
            return pool;
        }
        List<Object> clusters = patroni.stream().map(p -> (Object) pooler.topologySource(p.name()).orElse(null))
                .distinct().toList();
        if (patroni.isEmpty()) {
            throw PgException.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "SWITCHOVER: no pool follows Patroni (use_patroni_api)");
        }
        if (clusters.size() > 1) {
            throw PgException.error(SqlState.SYNTAX_ERROR, "SWITCHOVER: pools follow more than one Patroni cluster; "
                    + "name one: SWITCHOVER db [TO member], db one of "
                    + patroni.stream().map(PoolConfig::name).collect(Collectors.joining(", ")));
        }
        return patroni.get(0);
    }

    /** The configured pools that route by {@code source}. */
    private List<PoolConfig> poolsConfiguredOn(TopologySource source) {
        return pooler.config().pools().values().stream()
                .filter(p -> pooler.topologySource(p.name()).orElse(null) == source).toList();
    }

    /** Every pool, configured or found by auth_query, that routes by {@code source}. */
    private List<Pool> poolsOf(TopologySource source) {
        return pooler.allPools().values().stream()
                .filter(p -> pooler.topologySource(p.settings().poolName()).orElse(null) == source).toList();
    }

    /**
     * Transactions running on {@code leader}: in transaction mode every connection a client holds
     * but those pinned to their client between transactions; those (and session mode's) when their
     * last ReadyForQuery said a transaction is open or a request of theirs is not answered yet (a
     * statement outside a transaction block, a COPY). Logins and resets in progress count too
     * (they are short).
     */
    private static CompletableFuture<Long> running(List<Pool> pools, Optional<Member> leader) {
        if (leader.isEmpty()) {
            return CompletableFuture.completedFuture(0L);
        }
        String host = leader.get().host();
        int port = leader.get().port();
        List<CompletableFuture<Long>> counts = new ArrayList<>();
        for (Pool p : pools) {
            boolean session = p.settings().poolMode() == PoolMode.SESSION;
            Predicate<ServerConnection> onLeader = s -> s.address().host().equals(host) && s.address().port() == port;
            // A connection held between transactions (session mode, or pinned by its session's state)
            // counts only while its last ReadyForQuery said a transaction is open, or a request runs.
            counts.add(Waiting.count(List.of(p), s -> onLeader.test(s) && switch (s.state()) {
                case CONNECTING, AUTHENTICATING, RESETTING -> true;
                case ACTIVE -> !(session || s.pinned()) || s.transactionStatus() != ReadyForQuery.IDLE || s.answering();
                default -> false;
            }));
        }
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
                .thenApply(x -> counts.stream().mapToLong(CompletableFuture::join).sum());
    }

    private static String unquote(String word) {
        return word.length() >= 2 && word.startsWith("\"") && word.endsWith("\"") ? word.substring(1, word.length() - 1)
                : word;
    }

    private static PgException syntax() {
        return PgException.error(SqlState.SYNTAX_ERROR, "SWITCHOVER [db] [TO member]: a database (optional with one "
                + "Patroni cluster), then TO and the Patroni member name to switch over to (optional: Patroni chooses)");
    }
}
