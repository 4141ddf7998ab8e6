package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.backend.DataRow;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one query that asks a server what its session holds after a transaction that may have
 * changed it, built from what that transaction may have changed ({@link ProbeRequest}), and what
 * the answer says. Settings come by name ({@code current_setting}) or, when the names are not
 * known, from pg_settings (source {@code session}: what SET, set_config and the pooler's own sync
 * gave this session) plus the custom settings the client named (pg_settings does not list
 * placeholders such as {@code app.tenant}); then the role and the session authorization when it
 * differs from the login user. The state that cannot move is counted: objects in the session's
 * temporary schema, holdable cursors, SQL-level prepared statements, LISTEN channels and session
 * advisory locks of this backend. It runs between transactions, so every cursor and lock it sees
 * outlives one.
 */
final class SessionProbe {
    static final String SESSION_AUTHORIZATION = "session_authorization";
    static final String ROLE = "role";

    /**
     * What the server said, and what it was asked. {@code settings}: lower-case name to (name as
     * the server spells it, value); a value of "" is a setting the session does not have.
     */
    record Result(Map<String, ClientParameters.Setting> settings, EnumSet<Pin> pins, ProbeRequest asked) {
    }

    private final Map<String, ClientParameters.Setting> settings = new LinkedHashMap<>();
    private final EnumSet<Pin> pins = EnumSet.noneOf(Pin.class);
    private final ProbeRequest asked;

    SessionProbe(ProbeRequest asked) {
        this.asked = asked;
    }

    /**
     * The query for what {@code asked} asks, or null when it needs none (only RESETs by name,
     * which the command tag already confirmed). {@code customNames}: the placeholders the client
     * used, which a full read asks about by name.
     */
    static String sql(ProbeRequest asked, Collection<String> customNames) {
        StringBuilder sql = new StringBuilder(256);
        if (asked.allSettings) {
            union(sql).append("SELECT 's', name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings")
                    .append(" WHERE source = 'session'");
            if (!customNames.isEmpty()) {
                union(sql).append("SELECT 's', n, v FROM (SELECT n, pg_catalog.current_setting(n, true) AS v FROM ");
                array(sql, customNames).append(" AS n) AS c WHERE v <> ''");
            }
        } else if (!asked.named().isEmpty()) {
            union(sql).append("SELECT 's', n, pg_catalog.current_setting(n, true) FROM ");
            array(sql, asked.named()).append(" AS n");
        }
        if (asked.allSettings || asked.identity) {
            union(sql).append("SELECT 's', 'role', pg_catalog.current_setting('role')")
                    .append(" WHERE pg_catalog.current_setting('role') <> 'none'");
            union(sql).append("SELECT 's', 'session_authorization', session_user::text FROM pg_catalog.pg_stat_activity")
                    .append(" WHERE pid = pg_catalog.pg_backend_pid() AND usename <> session_user");
        }
        for (Pin pin : asked.pins) {
            switch (pin) {
                case TEMP_OBJECTS -> {
                    pin(sql, pin, "pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema()");
                    if (asked.temporaryRoutines) {
                        pin(sql, pin, "pg_catalog.pg_proc WHERE pronamespace = pg_catalog.pg_my_temp_schema()");
                    }
                }
                case HOLD_CURSORS -> pin(sql, pin, "pg_catalog.pg_cursors WHERE is_holdable");
                case SQL_PREPARED -> pin(sql, pin, "pg_catalog.pg_prepared_statements WHERE from_sql");
                case LISTEN -> pin(sql, pin, "pg_catalog.pg_listening_channels()");
                case ADVISORY_LOCKS -> pin(sql, pin,
                        "pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid()");
                default -> {
                }
            }
        }
        return sql.isEmpty() ? null : sql.toString();
    }

    private static StringBuilder union(StringBuilder sql) {
        return sql.isEmpty() ? sql : sql.append(" UNION ALL ");
    }

    private static StringBuilder array(StringBuilder sql, Collection<String> names) {
        sql.append("pg_catalog.unnest(ARRAY[");
        String sep = "";
        for (String name : names) {
            sql.append(sep).append(ParameterSync.literal(name));
            sep = ", ";
        }
        return sql.append("]::text[])");
    }

    private static void pin(StringBuilder sql, Pin pin, String from) {
        union(sql).append("SELECT 'p', '").append(pin.name()).append("', NULL FROM ").append(from)
                .append(" HAVING count(*) > 0");
    }

    /** One DataRow of the probe's answer (the frame stays the caller's). */
    void row(ByteBuf frame) {
        List<byte[]> values = DataRow.decode(Frames.body(frame)).values();
        String kind = text(values.get(0));
        String name = text(values.get(1));
        if (kind.equals("p")) {
            pins.add(Pin.valueOf(name)); // two rows for temporary objects: relations and functions
        } else {
            settings.put(name.toLowerCase(java.util.Locale.ROOT), new ClientParameters.Setting(name, text(values.get(2))));
        }
    }

    private static String text(byte[] value) {
        return value == null ? "" : new String(value, StandardCharsets.UTF_8);
    }

    Result result() {
        return new Result(Map.copyOf(settings), EnumSet.copyOf(pins), asked);
    }
}
