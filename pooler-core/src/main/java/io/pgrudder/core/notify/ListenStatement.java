package io.pgrudder.core.notify;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Recognizes a simple Query that is exactly one {@code LISTEN name}, {@code UNLISTEN name} or
 * {@code UNLISTEN *}: keywords in any case, the name folded as PostgreSQL folds identifiers
 * (unquoted: ASCII letters to lower case; {@code "Quoted"}: as written, {@code ""} for a quote),
 * whitespace around, one optional trailing semicolon. Anything else is not recognized and goes to
 * the server as it is: a second statement, a comment, {@code U&"…"}, a reserved word as the name,
 * an empty quoted name, or a name longer than PostgreSQL's 63 bytes (the server would truncate it
 * with a NOTICE; the pooler does not imitate that).
 *
 * @param channel the channel name as PostgreSQL has it; null for {@code UNLISTEN *}
 */
public record ListenStatement(Action action, String channel) {
    /** What the statement does. */
    public enum Action { LISTEN, UNLISTEN, UNLISTEN_ALL }

    /** NAMEDATALEN - 1: longer identifiers are truncated by the server. */
    static final int MAX_NAME_BYTES = 63;

    /** Keywords that are not a ColId (reserved and type_func_name, PostgreSQL 15): not a channel name unquoted. */
    private static final Set<String> NOT_A_NAME = Set.of("all", "analyse", "analyze", "and", "any", "array", "as",
            "asc", "asymmetric", "both", "case", "cast", "check", "collate", "column", "constraint", "create",
            "current_catalog", "current_date", "current_role", "current_time", "current_timestamp", "current_user",
            "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for",
            "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into", "lateral", "leading",
            "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order", "placing",
            "primary", "references", "returning", "select", "session_user", "some", "symmetric", "table", "then", "to",
            "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
            "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
            "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
            "right", "similar", "tablesample", "verbose");

    /**
     * Whether a Query frame's text may be one (its first word starts with L or U), looked at in
     * place: most queries are told apart without decoding them.
     */
    public static boolean mayBe(ByteBuf queryFrame) {
        int i = queryFrame.readerIndex() + Frames.HEADER_SIZE;
        int end = queryFrame.writerIndex();
        while (i < end && isSpace((char) queryFrame.getByte(i))) {
            i++;
        }
        if (i >= end) {
            return false;
        }
        int c = queryFrame.getByte(i) | 0x20;
        return c == 'l' || c == 'u';
    }

    /** The statement {@code sql} is, or null when it is not exactly one of these. */
    public static ListenStatement parse(String sql) {
        return new Scanner(sql).statement();
    }

    /** The statement as the listening connection sends it: the name always quoted. */
    public String sql() {
        return switch (action) {
            case LISTEN -> "LISTEN " + quoted(channel);
            case UNLISTEN -> "UNLISTEN " + quoted(channel);
            case UNLISTEN_ALL -> "UNLISTEN *";
        };
    }

    /** {@code name} as a quoted identifier. */
    public static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** PostgreSQL's scanner whitespace (scan.l {@code space}). */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    /** One pass over the text; any surprise is "not recognized". */
    private static final class Scanner {
        private final String sql;
        private int i;

        Scanner(String sql) {
            this.sql = sql;
        }

        ListenStatement statement() {
            skipSpace();
            String keyword = word();
            if (keyword == null) {
                return null;
            }
            keyword = keyword.toLowerCase(Locale.ROOT);
            ListenStatement found;
            int keywordEnd = i;
            if (keyword.equals("listen")) {
                String name = name(keywordEnd);
                found = name == null ? null : new ListenStatement(Action.LISTEN, name);
            } else if (keyword.equals("unlisten")) {
                skipSpace();
                if (i < sql.length() && sql.charAt(i) == '*') {
                    i++;
                    found = new ListenStatement(Action.UNLISTEN_ALL, null);
                } else {
                    String name = name(keywordEnd);
                    found = name == null ? null : new ListenStatement(Action.UNLISTEN, name);
                }
            } else {
                return null;
            }
            if (found == null) {
                return null;
            }
            skipSpace();
            if (i < sql.length() && sql.charAt(i) == ';') {
                i++;
                skipSpace();
            }
            return i == sql.length() ? found : null;
        }

        /** The name after the keyword: whitespace, then an identifier (which may follow a keyword directly only quoted). */
        private String name(int keywordEnd) {
            skipSpace();
            if (i >= sql.length()) {
                return null;
            }
            String name;
            if (sql.charAt(i) == '"') {
                name = quotedName();
            } else {
                if (i == keywordEnd) {
                    return null; // LISTENch is one word
                }
                String word = word();
                if (word == null || (i < sql.length() && (sql.charAt(i) == '&' || sql.charAt(i) == '\''))) {
                    return null; // U&"…" or a string literal prefix
                }
                name = fold(word);
                if (NOT_A_NAME.contains(name)) {
                    return null;
                }
            }
            if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                return null;
            }
            return name;
        }

        private String quotedName() {
            StringBuilder out = new StringBuilder();
            i++; // the opening quote
            while (i < sql.length()) {
                char c = sql.charAt(i++);
                if (c == '"') {
                    if (i < sql.length() && sql.charAt(i) == '"') {
                        out.append('"');
                        i++;
                        continue;
                    }
                    // A quoted name must not run into the next token without a break (LISTEN "a"b).
                    if (i < sql.length() && isIdentChar(sql.charAt(i))) {
                        return null;
                    }
                    return out.toString();
                }
                out.append(c);
            }
            return null; // unterminated
        }

        /** An unquoted identifier or keyword: [A-Za-z_\x80-][A-Za-z0-9_$\x80-]*, or null. */
        private String word() {
            if (i >= sql.length() || !isIdentStart(sql.charAt(i))) {
                return null;
            }
            int start = i;
            while (i < sql.length() && isIdentChar(sql.charAt(i))) {
                i++;
            }
            return sql.substring(start, i);
        }

        private void skipSpace() {
            while (i < sql.length() && isSpace(sql.charAt(i))) {
                i++;
            }
        }

        private static boolean isIdentStart(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80;
        }

        private static boolean isIdentChar(char c) {
            return isIdentStart(c) || c >= '0' && c <= '9' || c == '$';
        }

        /** PostgreSQL's downcase_identifier in a multibyte encoding: ASCII letters only. */
        private static String fold(String word) {
            StringBuilder out = new StringBuilder(word.length());
            for (int k = 0; k < word.length(); k++) {
                char c = word.charAt(k);
                out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
            }
            return out.toString();
        }
    }
}
