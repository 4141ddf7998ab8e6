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
 * changed it, and what the answer says. Settings come from pg_settings (source {@code session}:
 * what SET, set_config and the pooler's own sync gave this session), plus the role, the session
 * authorization when it differs from the login user, and the custom settings the client named
 * (pg_settings does not list placeholders such as {@code app.tenant}). The state that cannot move
 * is counted: objects in the session's temporary schema, holdable cursors, SQL-level prepared
 * statements, LISTEN channels and session advisory locks of this backend. It runs between
 * transactions, so every cursor and lock it sees outlives one.
 */
final class SessionProbe {
    static final String SESSION_AUTHORIZATION = "session_authorization";
    static final String ROLE = "role";

    /** What the server said. {@code settings}: lower-case name to (name as the server spells it, value). */
    record Result(Map<String, ClientParameters.Setting> settings, EnumSet<Pin> pins) {
    }

    private final Map<String, ClientParameters.Setting> settings = new LinkedHashMap<>();
    private final EnumSet<Pin> pins = EnumSet.noneOf(Pin.class);

    static String sql(Collection<String> customNames) {
        StringBuilder sql = new StringBuilder(900);
        sql.append("SELECT 's', name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session'")
                .append(" UNION ALL SELECT 's', 'role', pg_catalog.current_setting('role')")
                .append(" WHERE pg_catalog.current_setting('role') <> 'none'")
                .append(" UNION ALL SELECT 's', 'session_authorization', session_user::text FROM pg_catalog.pg_stat_activity")
                .append(" WHERE pid = pg_catalog.pg_backend_pid() AND usename <> session_user");
        if (!customNames.isEmpty()) {
            sql.append(" UNION ALL SELECT 's', n, v FROM (SELECT n, pg_catalog.current_setting(n, true) AS v FROM")
                    .append(" pg_catalog.unnest(ARRAY[");
            String sep = "";
            for (String name : customNames) {
                sql.append(sep).append(ParameterSync.literal(name));
                sep = ", ";
            }
            sql.append("]::text[]) AS n) AS c WHERE v <> ''");
        }
        pin(sql, Pin.TEMP_OBJECTS, "pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema()");
        pin(sql, Pin.TEMP_OBJECTS, "pg_catalog.pg_proc WHERE pronamespace = pg_catalog.pg_my_temp_schema()");
        pin(sql, Pin.HOLD_CURSORS, "pg_catalog.pg_cursors WHERE is_holdable");
        pin(sql, Pin.SQL_PREPARED, "pg_catalog.pg_prepared_statements WHERE from_sql");
        pin(sql, Pin.LISTEN, "pg_catalog.pg_listening_channels()");
        pin(sql, Pin.ADVISORY_LOCKS, "pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid()");
        return sql.toString();
    }

    private static void pin(StringBuilder sql, Pin pin, String from) {
        sql.append(" UNION ALL SELECT 'p', '").append(pin.name()).append("', NULL FROM ").append(from)
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
        return new Result(Map.copyOf(settings), EnumSet.copyOf(pins));
    }
}
