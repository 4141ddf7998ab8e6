package io.pgrudder.core.routing;

import io.pgrudder.core.routing.SqlLexer.Token;
import io.pgrudder.core.routing.SqlLexer.Type;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether SQL text is certainly read-only, so that it may run on a replica. The rule is the
 * opposite of pgcat's: text is a write unless proven a read, so an unknown statement, a parse
 * failure or an unlisted function costs a trip to the primary, never an error on a replica.
 *
 * <p>A read is every statement of the text being one of: a SELECT / WITH / VALUES / TABLE with no
 * locking clause ({@code FOR UPDATE}, {@code FOR NO KEY UPDATE}, {@code FOR SHARE},
 * {@code FOR KEY SHARE}), no {@code INTO}, no data-modifying CTE and only {@link ReadOnlyFunctions}
 * calls; SHOW; SET (not to read-write); {@code BEGIN}/{@code START TRANSACTION} with
 * {@code READ ONLY}; EXPLAIN of a read; or COMMIT/ROLLBACK/SAVEPOINT/RELEASE, which only end or
 * mark what the transaction's first statement already placed.
 */
public final class SqlClassifier {
    /** Words that make a query a write wherever they stand outside literals and comments. */
    private static final Set<String> WRITE_WORDS = Set.of("insert", "update", "delete", "merge", "into",
            "share", "lock", "truncate", "copy", "call", "do", "execute", "notify", "listen", "refresh",
            "nextval", "setval");
    private static final Set<String> NEUTRAL = Set.of("commit", "end", "rollback", "abort", "savepoint", "release");

    private SqlClassifier() {
    }

    /**
     * True when every statement in {@code sql} is certainly read-only.
     *
     * @param maxLength longer text is not examined (pgcat's query_parser_max_length) and counts as a
     *                  write; null for no limit
     */
    public static boolean isReadOnly(String sql, Integer maxLength) {
        if (sql == null || (maxLength != null && sql.length() > maxLength)) {
            return false;
        }
        List<Token> tokens = SqlLexer.tokens(sql);
        if (tokens == null) {
            return false;
        }
        boolean any = false;
        for (List<Token> statement : statements(tokens)) {
            if (!statement.isEmpty()) {
                any = true;
                if (!readOnlyStatement(statement)) {
                    return false;
                }
            }
        }
        return any;
    }

    private static List<List<Token>> statements(List<Token> tokens) {
        List<List<Token>> out = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        for (Token t : tokens) {
            if (t.type() == Type.END_OF_STATEMENT) {
                out.add(current);
                current = new ArrayList<>();
            } else {
                current.add(t);
            }
        }
        out.add(current);
        return out;
    }

    private static boolean readOnlyStatement(List<Token> t) {
        Token first = t.get(0);
        if (first.isPunct('(')) {
            return readOnlyBody(t); // (SELECT ...) UNION (SELECT ...)
        }
        if (first.type() != Type.WORD) {
            return false;
        }
        switch (first.text()) {
            case "select", "with", "values", "table", "explain" -> {
                return readOnlyBody(t);
            }
            case "show" -> {
                return true;
            }
            case "set" -> {
                return !saysReadWrite(t);
            }
            case "begin", "start" -> {
                return saysReadOnly(t) && !saysReadWrite(t);
            }
            default -> {
                // COMMIT PREPARED / ROLLBACK PREPARED finish a two-phase transaction: a write.
                return NEUTRAL.contains(first.text()) && t.stream().noneMatch(x -> x.isWord("prepared"));
            }
        }
    }

    private static boolean saysReadOnly(List<Token> t) {
        return followedBy(t, "read", "only");
    }

    private static boolean saysReadWrite(List<Token> t) {
        return followedBy(t, "read", "write");
    }

    private static boolean followedBy(List<Token> t, String a, String b) {
        for (int i = 0; i + 1 < t.size(); i++) {
            if (t.get(i).isWord(a) && t.get(i + 1).isWord(b)) {
                return true;
            }
        }
        return false;
    }

    private static boolean readOnlyBody(List<Token> t) {
        for (int i = 0; i < t.size(); i++) {
            Token token = t.get(i);
            if (token.type() == Type.WORD && WRITE_WORDS.contains(token.text())) {
                return false;
            }
            boolean call = i + 1 < t.size() && t.get(i + 1).isPunct('(')
                    && (token.type() == Type.WORD || token.type() == Type.QUOTED);
            if (call && !readOnlyCall(t, i)) {
                return false;
            }
        }
        return true;
    }

    /** {@code t[i]} is a name followed by "(". */
    private static boolean readOnlyCall(List<Token> t, int i) {
        Token name = t.get(i);
        Token before = i > 0 ? t.get(i - 1) : null;
        if (before != null && (before.isPunct(')') || before.isWord("as"))) {
            return true; // a column list: "AS x(a, b)", "generate_series(1, 3) g(i)"
        }
        if (before != null && (before.isWord("with") || before.isWord("recursive")) && name.type() == Type.WORD) {
            return true; // WITH cte(a, b) AS (...)
        }
        if (before != null && before.isPunct('.')) {
            // schema.function(...): only pg_catalog's listed functions are known.
            Token schema = i > 1 ? t.get(i - 2) : null;
            return schema != null && schema.isWord("pg_catalog") && name.type() == Type.WORD
                    && ReadOnlyFunctions.FUNCTIONS.contains(name.text());
        }
        return name.type() == Type.WORD && ReadOnlyFunctions.isReadOnlyCall(name.text());
    }
}
