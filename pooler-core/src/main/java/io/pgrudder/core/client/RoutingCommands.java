package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.core.routing.QueryRouter;
import io.pgrudder.core.routing.ServerRoleSetting;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import io.pgrudder.protocol.backend.CommandComplete;
import io.pgrudder.protocol.backend.DataRow;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ReadyForQuery;
import io.pgrudder.protocol.backend.RowDescription;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.BindComplete;
import io.pgrudder.protocol.backend.NoData;
import io.pgrudder.protocol.backend.ParameterDescription;
import io.pgrudder.protocol.backend.ParseComplete;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.Describe;
import io.pgrudder.protocol.frontend.Execute;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.Query;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pgcat's routing commands, sent as simple queries and answered by the pooler in turn with the
 * client's other requests: {@code SET SERVER ROLE TO 'primary|replica|any|auto|default'},
 * {@code SHOW SERVER ROLE}, {@code SET PRIMARY READS TO on|off|default}, {@code SHOW PRIMARY READS},
 * and, for the one shard pgrudder serves, {@code SET SHARD TO}, {@code SET SHARDING KEY TO} and
 * {@code SHOW SHARD}. A choice lasts for the client's connection and takes effect at its next
 * transaction. A bad value is an error (22023) naming the accepted ones.
 */
final class RoutingCommands {
    private static final String END = "\\s*;?\\s*";
    private static final Pattern SET_ROLE = Pattern.compile(
            "\\s*set\\s+server\\s+role\\s+(?:to|=)\\s*'?([^';\\s]*)'?" + END, Pattern.CASE_INSENSITIVE);
    private static final Pattern SHOW_ROLE = Pattern.compile("\\s*show\\s+server\\s+role" + END, Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_PRIMARY_READS = Pattern.compile(
            "\\s*set\\s+primary\\s+reads\\s+(?:to|=)\\s*'?([^';\\s]*)'?" + END, Pattern.CASE_INSENSITIVE);
    private static final Pattern SHOW_PRIMARY_READS = Pattern.compile("\\s*show\\s+primary\\s+reads" + END,
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_SHARD = Pattern.compile("\\s*set\\s+shard\\s+(?:to|=)\\s*'?([^';\\s]*)'?" + END,
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_SHARDING_KEY = Pattern.compile(
            "\\s*set\\s+sharding\\s+key\\s+(?:to|=)\\s*'?([^';\\s]*)'?" + END, Pattern.CASE_INSENSITIVE);
    private static final Pattern SHOW_SHARD = Pattern.compile("\\s*show\\s+shard" + END, Pattern.CASE_INSENSITIVE);
    /** Every command above starts with one of these words followed by one of the second words. */
    private static final Pattern CANDIDATE = Pattern.compile("\\s*(set|show)\\s+(server|primary|shard|sharding)\\b.*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final int LONGEST = 128;

    private final QueryRouter router;
    private final RequestQueue queue;
    private final int shards;
    /** Extended protocol: the command parsed as the unnamed statement, then bound to the unnamed portal. */
    private Command parsed;
    private Command bound;

    RoutingCommands(QueryRouter router, RequestQueue queue, int shards) {
        this.router = router;
        this.queue = queue;
        this.shards = shards;
    }

    /**
     * One recognised command. {@code column} is the column a SHOW returns (null for SET);
     * {@link #run} applies it and gives its DataRow and CommandComplete, or an ErrorResponse.
     */
    private record Command(String column, Supplier<List<Consumer<ByteBuf>>> run) {
    }

    /** When {@code frame} (a Query) is one of the commands: answers it, releases it and returns true. */
    boolean answer(ByteBuf frame) {
        Command command = mightBeOne(frame) ? recognise(Query.decode(Frames.body(frame)).sql()) : null;
        if (command == null) {
            return false;
        }
        frame.release();
        if (command.column() != null) {
            queue.synthetic(rowDescription(command.column()), null);
        }
        try {
            command.run().get().forEach(reply -> queue.synthetic(reply, null));
        } catch (PgException e) {
            queue.synthetic(out -> ErrorResponse.from(e).encode(out), null);
        }
        queue.synthetic(out -> ReadyForQuery.of(queue.transactionStatus()).encode(out), null);
        return true;
    }

    /**
     * The extended protocol (pgjdbc sends even a plain {@code execute("SET SERVER ROLE …")} so):
     * a Parse of a command as the unnamed statement, its Bind to the unnamed portal, their
     * Describe and the Execute are answered here. Returns true when {@code frame} was answered
     * (and released); {@code fail} reports an error that must skip the messages up to Sync.
     */
    boolean answerExtended(ByteBuf frame, BiConsumer<String, String> fail) {
        switch (Frames.type(frame)) {
            case MessageType.PARSE -> {
                parsed = null;
                bound = null;
                if (!mightBeOne(frame)) {
                    return false;
                }
                Parse parse = Parse.decode(Frames.body(frame));
                Command command = parse.name().isEmpty() ? recognise(parse.query()) : null;
                if (command == null) {
                    return false;
                }
                parsed = command;
                frame.release();
                queue.synthetic(out -> ParseComplete.INSTANCE.encode(out), null);
                return true;
            }
            case MessageType.BIND -> {
                Bind bind = parsed == null ? null : Bind.decode(Frames.body(frame));
                if (bind == null || !bind.statement().isEmpty() || !bind.portal().isEmpty()) {
                    bound = null;
                    return false;
                }
                bound = parsed;
                frame.release();
                queue.synthetic(out -> BindComplete.INSTANCE.encode(out), null);
                return true;
            }
            case MessageType.DESCRIBE -> {
                Describe describe = parsed == null ? null : Describe.decode(Frames.body(frame));
                if (describe == null || !describe.name().isEmpty()
                        || (describe.kind() == Describe.PORTAL && bound == null)) {
                    return false;
                }
                Command command = describe.kind() == Describe.PORTAL ? bound : parsed;
                frame.release();
                if (describe.kind() == Describe.STATEMENT) {
                    queue.synthetic(out -> new ParameterDescription(new int[0]).encode(out), null);
                }
                queue.synthetic(command.column() != null ? rowDescription(command.column())
                        : out -> NoData.INSTANCE.encode(out), null);
                return true;
            }
            case MessageType.EXECUTE -> {
                Execute execute = bound == null ? null : Execute.decode(Frames.body(frame));
                if (execute == null || !execute.portal().isEmpty()) {
                    return false;
                }
                Command command = bound;
                bound = null;
                frame.release();
                try {
                    command.run().get().forEach(reply -> queue.synthetic(reply, null));
                } catch (PgException e) {
                    fail.accept(e.sqlState(), e.getMessage());
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private Command recognise(String sql) {
        if (!CANDIDATE.matcher(sql).matches()) {
            return null;
        }
        Matcher m;
        if ((m = SET_ROLE.matcher(sql)).matches()) {
            String value = m.group(1);
            return set(() -> {
                Optional<ServerRoleSetting> role = ServerRoleSetting.parse(value);
                role.ifPresent(router::role);
                return role.isPresent() ? complete("SET SERVER ROLE")
                        : invalid("server role", value, "'primary', 'replica', 'any', 'auto' or 'default'");
            });
        }
        if (SHOW_ROLE.matcher(sql).matches()) {
            return show("server role", router::showRole);
        }
        if ((m = SET_PRIMARY_READS.matcher(sql)).matches()) {
            String value = m.group(1);
            return set(() -> {
                switch (value.toLowerCase(Locale.ROOT)) {
                    case "on", "true" -> router.primaryReads(true);
                    case "off", "false" -> router.primaryReads(false);
                    case "default" -> router.primaryReads(null);
                    default -> {
                        return invalid("primary reads", value, "on, off or default");
                    }
                }
                return complete("SET PRIMARY READS");
            });
        }
        if (SHOW_PRIMARY_READS.matcher(sql).matches()) {
            return show("primary reads", () -> router.primaryReads() ? "on" : "off");
        }
        if ((m = SET_SHARD.matcher(sql)).matches()) {
            String value = m.group(1);
            boolean ok = shards == 1 && (value.equalsIgnoreCase("any") || value.equals("0"));
            return set(() -> ok ? complete("SET SHARD") : unsupportedShard("shard " + value));
        }
        if ((m = SET_SHARDING_KEY.matcher(sql)).matches()) {
            String value = m.group(1);
            return set(() -> shards == 1 ? complete("SET SHARDING KEY") : unsupportedShard("sharding key " + value));
        }
        if (SHOW_SHARD.matcher(sql).matches()) {
            return show("shard", () -> "0");
        }
        return null;
    }

    private static Command set(Supplier<List<Consumer<ByteBuf>>> run) {
        return new Command(null, run);
    }

    private static Command show(String column, Supplier<String> value) {
        return new Command(column, () -> List.of(
                out -> new DataRow(List.of(value.get().getBytes(StandardCharsets.UTF_8))).encode(out),
                out -> new CommandComplete("SHOW").encode(out)));
    }

    private static Consumer<ByteBuf> rowDescription(String column) {
        return out -> new RowDescription(List.of(RowDescription.Field.text(column, 25, (short) -1))).encode(out);
    }

    private static List<Consumer<ByteBuf>> complete(String tag) {
        return List.of(out -> new CommandComplete(tag).encode(out));
    }

    /** A cheap look at the bytes: short, and the SQL starting with "s" after blanks. */
    private static boolean mightBeOne(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (body.readableBytes() > LONGEST) {
            return false;
        }
        int from = body.readerIndex();
        if (Frames.type(frame) == MessageType.PARSE) {
            from = body.indexOf(from, body.writerIndex(), (byte) 0) + 1; // after the statement name
            if (from == 0) {
                return false;
            }
        }
        int end = body.writerIndex();
        int i = from;
        while (i < end && isSpace(body.getByte(i))) {
            i++;
        }
        // SET or SHOW and a space (CANDIDATE's "(set|show)\s+"): a SELECT is not decoded.
        if (end - i < 4 || (body.getByte(i) | 0x20) != 's') {
            return false;
        }
        int second = body.getByte(i + 1) | 0x20;
        int third = body.getByte(i + 2) | 0x20;
        if (second == 'e' && third == 't') {
            return isSpace(body.getByte(i + 3));
        }
        return second == 'h' && third == 'o' && end - i >= 5 && (body.getByte(i + 3) | 0x20) == 'w'
                && isSpace(body.getByte(i + 4));
    }

    /** Java regex's {@code \s}. */
    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0B;
    }

    private static List<Consumer<ByteBuf>> invalid(String what, String value, String accepted) {
        throw PgException.error(SqlState.INVALID_PARAMETER_VALUE, "invalid value for " + what + ": \"" + value
                + "\"; use " + accepted);
    }

    private List<Consumer<ByteBuf>> unsupportedShard(String what) {
        throw PgException.error(SqlState.FEATURE_NOT_SUPPORTED, "cannot use " + what + ": pgrudder serves only "
                + "shard 0 of each pool (this pool lists " + shards + " shard" + (shards == 1 ? "" : "s") + ")");
    }
}
