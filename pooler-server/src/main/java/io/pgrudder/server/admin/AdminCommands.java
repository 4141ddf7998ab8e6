package io.pgrudder.server.admin;

import io.netty.channel.Channel;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.backend.ServerState;
import io.pgrudder.core.client.ClientErrors;
import io.pgrudder.core.stats.ClientMeter;
import io.pgrudder.core.pool.Pool;
import io.pgrudder.core.pool.Pools;
import io.pgrudder.core.pool.Pools.PoolKey;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The admin console's commands. pgcat's: SHOW ..., RELOAD, SET, PAUSE, RESUME, SHUTDOWN; and
 * with PgBouncer's meaning, which pgcat lacks: RECONNECT [db] (idle server connections close
 * now, busy ones when released; new checkouts get new ones) and KILL db (its clients and server
 * connections are closed at once). PAUSE waits, as PgBouncer's does, until every server
 * connection of the paused pools is released (bounded by {@code shutdown_timeout}, then 57014);
 * DISABLE/ENABLE db, KILL_CLIENT id and WAIT_CLOSE [db] also mean what they mean in PgBouncer.
 * SWITCHOVER [db] [TO member] (ours) runs a Patroni switchover without an error for any client
 * ({@link SwitchoverCommand}).
 */
final class AdminCommands {
    static final String SUPPORTED = "SHOW " + String.join("|", ShowCommands.NAMES)
            + "; RELOAD; PAUSE [db[,user]]; RESUME [db[,user]]; RECONNECT [db]; KILL db; KILL_CLIENT id; "
            + "BAN host seconds; UNBAN host; "
            + "DISABLE db; ENABLE db; WAIT_CLOSE [db]; SWITCHOVER [db] [TO member]; SHUTDOWN; SET ...";

    private final Pooler pooler;
    private final AdminDatabase.Control control;
    private final ConsoleState state;
    private final ShowCommands show;
    private final Waiting waiting;
    private final SwitchoverCommand switchover;

    AdminCommands(Pooler pooler, AdminDatabase.Control control, ConsoleState state) {
        this.pooler = pooler;
        this.control = control;
        this.state = state;
        this.show = new ShowCommands(pooler, state);
        this.waiting = new Waiting(state.timer);
        this.switchover = new SwitchoverCommand(pooler, waiting);
    }

    /** Runs every ';'-separated statement of one Query, in order. */
    CompletableFuture<List<ResultTable>> run(String sql) {
        CompletableFuture<List<ResultTable>> all = CompletableFuture.completedFuture(new ArrayList<>());
        for (String statement : sql.split(";")) {
            String s = statement.strip();
            if (s.isEmpty()) {
                continue;
            }
            all = all.thenCompose(list -> one(s).thenApply(r -> {
                list.add(r);
                return list;
            }));
        }
        return all;
    }

    private CompletableFuture<ResultTable> one(String statement) {
        String[] words = statement.split("\\s+");
        String verb = words[0].toUpperCase(Locale.ROOT);
        String arg = words.length > 1 ? words[1] : null;
        try {
            return switch (verb) {
                case "SHOW" -> show.run(arg == null ? "" : arg.toUpperCase(Locale.ROOT));
                case "SET" -> done("SET");
                case "RELOAD" -> control.reload().thenApply(msg -> ResultTable.command("RELOAD"));
                case "PAUSE" -> pause(arg, true);
                case "RESUME" -> pause(arg, false);
                case "RECONNECT" -> reconnect(arg, false);
                case "KILL" -> {
                    if (arg == null) {
                        throw PgException.error(SqlState.SYNTAX_ERROR, "KILL needs a database: KILL db");
                    }
                    yield reconnect(arg, true);
                }
                case "KILL_CLIENT" -> killClient(arg);
                case "DISABLE" -> disable(arg, true);
                case "ENABLE" -> disable(arg, false);
                case "WAIT_CLOSE" -> waitClose(arg);
                case "SWITCHOVER" -> switchover.run(java.util.Arrays.copyOfRange(words, 1, words.length));
                case "SUSPEND" -> throw PgException.error(SqlState.FEATURE_NOT_SUPPORTED, "SUSPEND is PgBouncer's "
                        + "step of an online restart (-R), which pgrudder does not have; restart it with a rolling "
                        + "update, or use PAUSE, which waits until every server connection is released");
                case "BAN" -> ban(words);
                case "UNBAN" -> unban(words);
                case "SHUTDOWN" -> {
                    control.shutdown("admin SHUTDOWN");
                    yield CompletableFuture.completedFuture(ResultTable.show().text("success").row("t"));
                }
                default -> throw unsupported(statement);
            };
        } catch (PgException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * pgcat's BAN host seconds (host may also be host:port): the replicas it names get no new
     * connections in every pool for that long; primaries are never banned. One row per ban.
     */
    private CompletableFuture<ResultTable> ban(String[] words) {
        if (words.length != 3) {
            throw PgException.error(SqlState.SYNTAX_ERROR, "BAN host seconds (host or host:port of a replica)");
        }
        long seconds;
        try {
            seconds = Long.parseLong(words[2]);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1) {
            throw PgException.error(SqlState.INVALID_PARAMETER_VALUE, "BAN: \"" + words[2]
                    + "\" is not a number of seconds (1 or more)");
        }
        java.time.Duration duration = java.time.Duration.ofSeconds(seconds);
        ResultTable t = ResultTable.show().text("db", "user", "role", "host");
        pooler.allPools().forEach((key, pool) -> pool.target().ban(words[1], duration)
                .forEach(s -> t.row(key.database(), key.user(), s.role().configName(), s.host())));
        return CompletableFuture.completedFuture(t);
    }

    /** pgcat's UNBAN host (or host:port): lifts the bans it names; one row per ban lifted. */
    private CompletableFuture<ResultTable> unban(String[] words) {
        if (words.length != 2) {
            throw PgException.error(SqlState.SYNTAX_ERROR, "UNBAN host (or host:port)");
        }
        ResultTable t = ResultTable.show().text("db", "user", "role", "host");
        pooler.allPools().forEach((key, pool) -> pool.target().unban(words[1])
                .forEach(s -> t.row(key.database(), key.user(), s.role().configName(), s.host())));
        return CompletableFuture.completedFuture(t);
    }

    static PgException unsupported(String statement) {
        return PgException.error(SqlState.SYNTAX_ERROR, "Unsupported query against the admin database: \""
                + statement + "\"; supported: " + SUPPORTED);
    }

    private static CompletableFuture<ResultTable> done(String tag) {
        return CompletableFuture.completedFuture(ResultTable.command(tag));
    }

    /** PAUSE/RESUME [db[,user]]: every pool, the pools of db, or the one of (db, user). */
    private CompletableFuture<ResultTable> pause(String arg, boolean pause) {
        // The pools of users only auth_query knows too: a PAUSE before a switchover must hold every client of db.
        List<Pool> matched = matching(arg, pooler.allPools());
        matched.forEach(p -> p.paused(pause));
        if (!pause) {
            return done("RESUME");
        }
        // PgBouncer's PAUSE returns once every server is released; then the idle ones are closed.
        return until(() -> busy(matched), "PAUSE" + (arg == null ? "" : " " + arg),
                "server connections are still held by clients (a long transaction, or session mode); the pools "
                        + "stay paused: wait and PAUSE again, or RESUME")
                .thenApply(x -> {
                    matched.forEach(p -> p.paused(true));
                    return ResultTable.command("PAUSE");
                });
    }

    /** Server connections of these pools a client holds, or being reset/tested, or opening. */
    private static CompletableFuture<Long> busy(List<Pool> pools) {
        return Waiting.count(pools, s -> s.state() == ServerState.ACTIVE || s.state() == ServerState.RESETTING
                || s.state() == ServerState.CONNECTING || s.state() == ServerState.AUTHENTICATING);
    }

    /** Connections of retired pools that are not closed yet (PgBouncer's close_needed). */
    private static CompletableFuture<Long> open(List<Pool> pools) {
        return Waiting.count(pools, s -> s.channel().isOpen());
    }

    /**
     * Completes when {@code remaining} says 0; fails with 57014 after {@code shutdown_timeout}
     * (PgBouncer waits forever; a switchover script must not).
     */
    private CompletableFuture<Void> until(java.util.function.Supplier<CompletableFuture<Long>> remaining, String what,
                                          String advice) {
        java.time.Duration timeout = pooler.config().general().shutdownTimeout();
        return waiting.until(remaining, timeout, n -> PgException.error(SqlState.QUERY_CANCELED, what + " gave up after "
                + timeout.toMillis() + " ms (general.shutdown_timeout): " + n + " " + advice));
    }

    /** KILL_CLIENT id: the client with this SHOW CLIENTS client_id gets FATAL 57P01 and is closed. */
    private CompletableFuture<ResultTable> killClient(String id) {
        if (id == null) {
            throw PgException.error(SqlState.SYNTAX_ERROR, "KILL_CLIENT needs a client_id from SHOW CLIENTS");
        }
        long wanted;
        try {
            wanted = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw PgException.error(SqlState.INVALID_PARAMETER_VALUE, "KILL_CLIENT: \"" + id
                    + "\" is not a client_id (a number from SHOW CLIENTS)");
        }
        ClientMeter client = pooler.stats().clients().stream().filter(c -> c.id() == wanted).findFirst()
                .orElseThrow(() -> PgException.error(SqlState.INVALID_PARAMETER_VALUE, "KILL_CLIENT: no client "
                        + wanted + " (it may have left; see SHOW CLIENTS)"));
        Channel channel = client.channel();
        channel.eventLoop().execute(() -> ClientErrors.send(channel, PgException.fatal(SqlState.ADMIN_SHUTDOWN,
                "terminating connection due to administrator command (KILL_CLIENT " + wanted + ")")));
        return done("KILL_CLIENT");
    }

    /** DISABLE/ENABLE db: new clients of db are refused (57P03) or let in again; connected ones stay. */
    private CompletableFuture<ResultTable> disable(String db, boolean disable) {
        String verb = disable ? "DISABLE" : "ENABLE";
        if (db == null) {
            throw PgException.error(SqlState.SYNTAX_ERROR, verb + " needs a database: " + verb + " db");
        }
        if (!pooler.config().pools().containsKey(db)) {
            throw PgException.error(SqlState.INVALID_CATALOG_NAME, verb + ": no database \"" + db + "\"");
        }
        if (disable) {
            state.disabled.add(db);
        } else {
            state.disabled.remove(db);
        }
        return done(verb);
    }

    /** WAIT_CLOSE [db]: returns when the connections RECONNECT/KILL retired (of db, or all) are closed. */
    private CompletableFuture<ResultTable> waitClose(String db) {
        if (db != null && !pooler.config().pools().containsKey(db)) {
            throw PgException.error(SqlState.INVALID_CATALOG_NAME, "WAIT_CLOSE: no database \"" + db + "\"");
        }
        List<Pool> pools = state.retired.stream().filter(p -> db == null || db.equals(p.settings().poolName())).toList();
        return until(() -> open(pools), "WAIT_CLOSE" + (db == null ? "" : " " + db),
                "server connections of before the RECONNECT are still held by clients")
                .thenApply(x -> {
                    state.retired.removeIf(p -> pools.contains(p));
                    return ResultTable.command("WAIT_CLOSE");
                });
    }

    /**
     * The pools of {@code pools} that {@code arg} ({@code db} or {@code db,user}; null: all) names;
     * fails with 3D000 when it names none.
     */
    private List<Pool> matching(String arg, Map<PoolKey, Pool> pools) {
        String db = null;
        String user = null;
        if (arg != null) {
            String[] parts = arg.split(",", 2);
            db = parts[0];
            user = parts.length > 1 ? parts[1] : null;
        }
        List<Pool> matched = new ArrayList<>();
        for (Map.Entry<PoolKey, Pool> e : pools.entrySet()) {
            if ((db == null || db.equals(e.getKey().database())) && (user == null || user.equals(e.getKey().user()))) {
                matched.add(e.getValue());
            }
        }
        if (arg != null && matched.isEmpty()) {
            throw PgException.error(SqlState.INVALID_CATALOG_NAME, "no pool matches \"" + arg + "\"");
        }
        return matched;
    }

    /**
     * RECONNECT: each matching pool is replaced by a fresh one with the same settings; the old one
     * is retired (idle connections close now, busy ones when released). KILL also closes the old
     * pool's connections and its clients at once.
     */
    private CompletableFuture<ResultTable> reconnect(String db, boolean kill) {
        // Off the event loop, on the thread reloads run on: one swap of the pool set at a time.
        return control.swapPools(() -> swap(db, kill)).thenCompose(done -> done);
    }

    private CompletableFuture<ResultTable> swap(String db, boolean kill) {
        Pools current = pooler.pools();
        // Users only auth_query knows too; their pools are DiscoveredPools' to replace (below).
        List<Pool> matched = matching(db, pooler.allPools());
        Pools fresh = pooler.createPools(current.config());
        Map<PoolKey, Pool> next = new LinkedHashMap<>();
        List<Pool> unused = new ArrayList<>();
        for (Map.Entry<PoolKey, Pool> e : current.byKey().entrySet()) {
            Pool replacement = fresh.byKey().get(e.getKey());
            if (matched.contains(e.getValue()) && replacement != null) {
                next.put(e.getKey(), replacement);
            } else {
                next.put(e.getKey(), e.getValue());
                if (replacement != null) {
                    unused.add(replacement);
                }
            }
        }
        unused.forEach(Pool::close);
        pooler.pools(Pools.of(current.config(), next));
        if (kill) {
            pooler.stats().terminateClients(db, PgException.fatal(SqlState.ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command (KILL " + db + ")"));
        }
        for (Pool p : state.retired) { // forget the ones that are done, so the list stays short
            open(List.of(p)).thenAccept(n -> {
                if (n == 0) {
                    state.retired.remove(p);
                }
            });
        }
        for (Pool old : matched) {
            if (!current.byKey().containsValue(old)) {
                continue; // a discovered user's pool: below
            }
            state.retired.add(old);
            old.retire(next.get(PoolKey.of(old.settings())));
            if (kill) {
                old.close();
            }
        }
        for (Pool old : pooler.discoveredPools().reconnect(matched)) {
            state.retired.add(old);
            if (kill) {
                old.close();
            }
        }
        return done(kill ? "KILL" : "RECONNECT");
    }
}
