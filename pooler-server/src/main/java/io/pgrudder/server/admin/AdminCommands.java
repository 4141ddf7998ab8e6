package io.pgrudder.server.admin;

import io.pgrudder.core.Pooler;
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
 * connections are closed at once).
 */
final class AdminCommands {
    static final String SUPPORTED = "SHOW " + String.join("|", ShowCommands.NAMES)
            + "; RELOAD; PAUSE [db[,user]]; RESUME [db[,user]]; RECONNECT [db]; KILL db; SHUTDOWN; SET ...";

    private final Pooler pooler;
    private final AdminDatabase.Control control;
    private final ShowCommands show;

    AdminCommands(Pooler pooler, AdminDatabase.Control control) {
        this.pooler = pooler;
        this.control = control;
        this.show = new ShowCommands(pooler);
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

    static PgException unsupported(String statement) {
        return PgException.error(SqlState.SYNTAX_ERROR, "Unsupported query against the admin database: \""
                + statement + "\"; supported: " + SUPPORTED);
    }

    private static CompletableFuture<ResultTable> done(String tag) {
        return CompletableFuture.completedFuture(ResultTable.command(tag));
    }

    /** PAUSE/RESUME [db[,user]]: every pool, the pools of db, or the one of (db, user). */
    private CompletableFuture<ResultTable> pause(String arg, boolean pause) {
        List<Pool> matched = matching(arg);
        matched.forEach(p -> p.paused(pause));
        return done(pause ? "PAUSE" : "RESUME");
    }

    private List<Pool> matching(String arg) {
        String db = null;
        String user = null;
        if (arg != null) {
            String[] parts = arg.split(",", 2);
            db = parts[0];
            user = parts.length > 1 ? parts[1] : null;
        }
        List<Pool> matched = new ArrayList<>();
        for (Map.Entry<PoolKey, Pool> e : pooler.pools().byKey().entrySet()) {
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
        List<Pool> matched = matching(db);
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
        for (Pool old : matched) {
            old.retire(next.get(PoolKey.of(old.settings())));
            if (kill) {
                old.close();
            }
        }
        return done(kill ? "KILL" : "RECONNECT");
    }
}
