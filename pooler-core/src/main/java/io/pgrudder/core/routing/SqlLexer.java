package io.pgrudder.core.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits SQL text into the tokens the read/write classification looks at, following PostgreSQL's
 * own lexer where it matters for safety: string literals ({@code '…'} with {@code ''}, {@code E'…'}
 * with backslash escapes), dollar quotes, quoted identifiers, line comments and nested block
 * comments are skipped whole, so a keyword inside them is never seen and one outside them is never
 * hidden. Literals are read as with {@code standard_conforming_strings = on}; on a server with it
 * off a literal can only be longer than read here, which can make text look like a write, never
 * hide one.
 *
 * <p>Returns null when the text ends inside a literal, identifier or comment: such text is
 * classified as a write.
 */
final class SqlLexer {
    enum Type { WORD, QUOTED, NUMBER, PARAM, PUNCT, OPERATOR, LITERAL, END_OF_STATEMENT }

    /** A token; {@code text} is lower-cased for words, the character for punctuation, else empty. */
    record Token(Type type, String text) {
        boolean isWord(String word) {
            return type == Type.WORD && text.equals(word);
        }

        boolean isPunct(char c) {
            return type == Type.PUNCT && text.length() == 1 && text.charAt(0) == c;
        }
    }

    private static final Token LITERAL = new Token(Type.LITERAL, "");
    private static final Token NUMBER = new Token(Type.NUMBER, "");
    private static final Token PARAM = new Token(Type.PARAM, "");
    private static final Token OPERATOR = new Token(Type.OPERATOR, "");
    private static final Token END = new Token(Type.END_OF_STATEMENT, ";");
    private static final String OPERATOR_CHARS = "+-*/<>=~!@#%^&|`?";

    private final String sql;
    private int pos;

    private SqlLexer(String sql) {
        this.sql = sql;
    }

    /** The tokens of {@code sql} (statements separated by END_OF_STATEMENT), or null when unterminated. */
    static List<Token> tokens(String sql) {
        return new SqlLexer(sql).run();
    }

    private List<Token> run() {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        while (pos < n) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && peek(1) == '-') {
                int eol = sql.indexOf('\n', pos);
                pos = eol < 0 ? n : eol + 1;
            } else if (c == '/' && peek(1) == '*') {
                if (!skipBlockComment()) {
                    return null;
                }
            } else if (c == '\'') {
                if (!skipString(false)) {
                    return null;
                }
                out.add(LITERAL);
            } else if (c == '"') {
                String ident = quotedIdentifier();
                if (ident == null) {
                    return null;
                }
                out.add(new Token(Type.QUOTED, ident));
            } else if (c == '$') {
                if (Character.isDigit(peek(1))) {
                    pos++;
                    while (pos < n && Character.isDigit(sql.charAt(pos))) {
                        pos++;
                    }
                    out.add(PARAM);
                } else {
                    String tag = dollarTag();
                    if (tag == null) {
                        pos++;
                        out.add(OPERATOR);
                    } else if (!skipDollarQuoted(tag)) {
                        return null;
                    } else {
                        out.add(LITERAL);
                    }
                }
            } else if (isIdentStart(c)) {
                int start = pos;
                while (pos < n && isIdentPart(sql.charAt(pos))) {
                    pos++;
                }
                String word = sql.substring(start, pos).toLowerCase(Locale.ROOT);
                if (pos < n && sql.charAt(pos) == '\'' && isStringPrefix(word)) {
                    if (!skipString(word.equals("e"))) {
                        return null;
                    }
                    out.add(LITERAL);
                } else if (word.equals("u") && pos + 1 < n && sql.charAt(pos) == '&'
                        && (sql.charAt(pos + 1) == '\'' || sql.charAt(pos + 1) == '"')) {
                    pos++; // U&'…' or U&"…": a literal or identifier with Unicode escapes
                    if (sql.charAt(pos) == '\'') {
                        if (!skipString(false)) {
                            return null;
                        }
                        out.add(LITERAL);
                    } else {
                        String ident = quotedIdentifier();
                        if (ident == null) {
                            return null;
                        }
                        out.add(new Token(Type.QUOTED, ident));
                    }
                } else {
                    out.add(new Token(Type.WORD, word));
                }
            } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
                skipNumber();
                out.add(NUMBER);
            } else if (c == ';') {
                pos++;
                out.add(END);
            } else if ("(),.[]:".indexOf(c) >= 0) {
                pos++;
                out.add(new Token(Type.PUNCT, String.valueOf(c)));
            } else if (OPERATOR_CHARS.indexOf(c) >= 0) {
                while (pos < n && OPERATOR_CHARS.indexOf(sql.charAt(pos)) >= 0
                        && !(sql.charAt(pos) == '-' && peek(1) == '-')
                        && !(sql.charAt(pos) == '/' && peek(1) == '*')) {
                    pos++;
                }
                out.add(OPERATOR);
            } else {
                pos++;
                out.add(OPERATOR);
            }
        }
        return out;
    }

    /** Digits, '.', '_' and an exponent; letters after it are lexed as a word (so none is hidden). */
    private void skipNumber() {
        int n = sql.length();
        while (pos < n && (Character.isDigit(sql.charAt(pos)) || sql.charAt(pos) == '.' || sql.charAt(pos) == '_')) {
            pos++;
        }
        if (pos < n && (sql.charAt(pos) == 'e' || sql.charAt(pos) == 'E')
                && (Character.isDigit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && Character.isDigit(peek(2))))) {
            pos += 2;
            while (pos < n && Character.isDigit(sql.charAt(pos))) {
                pos++;
            }
        }
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < sql.length() ? sql.charAt(i) : '\0';
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || Character.isDigit(c) || c == '$';
    }

    /** E'…', B'…', X'…', N'…' are literals; any other word directly followed by ' is not valid SQL anyway. */
    private static boolean isStringPrefix(String word) {
        return word.equals("e") || word.equals("b") || word.equals("x") || word.equals("n");
    }

    /** Nested like PostgreSQL's: "/*" opens one more level, "*&#47;" closes one. */
    private boolean skipBlockComment() {
        int depth = 0;
        int n = sql.length();
        while (pos < n) {
            char c = sql.charAt(pos);
            if (c == '/' && peek(1) == '*') {
                depth++;
                pos += 2;
            } else if (c == '*' && peek(1) == '/') {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return true;
                }
            } else {
                pos++;
            }
        }
        return false;
    }

    /** At the opening quote; {@code ''} is a quote, and in an E'' literal a backslash escapes the next character. */
    private boolean skipString(boolean backslashEscapes) {
        int n = sql.length();
        pos++;
        while (pos < n) {
            char c = sql.charAt(pos);
            if (backslashEscapes && c == '\\') {
                pos += 2;
            } else if (c == '\'') {
                if (peek(1) == '\'') {
                    pos += 2;
                } else {
                    pos++;
                    return true;
                }
            } else {
                pos++;
            }
        }
        return false;
    }

    private String quotedIdentifier() {
        StringBuilder ident = new StringBuilder();
        int n = sql.length();
        pos++;
        while (pos < n) {
            char c = sql.charAt(pos);
            if (c == '"') {
                if (peek(1) == '"') {
                    ident.append('"');
                    pos += 2;
                } else {
                    pos++;
                    return ident.toString();
                }
            } else {
                ident.append(c);
                pos++;
            }
        }
        return null;
    }

    /** At a '$': the whole opening tag ("$$" or "$name$") when one starts here, else null. */
    private String dollarTag() {
        int n = sql.length();
        int i = pos + 1;
        if (i < n && sql.charAt(i) == '$') {
            return "$$";
        }
        if (i >= n || !(Character.isLetter(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) >= 0x80)) {
            return null;
        }
        while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) >= 0x80)) {
            i++;
        }
        return i < n && sql.charAt(i) == '$' ? sql.substring(pos, i + 1) : null;
    }

    private boolean skipDollarQuoted(String tag) {
        int end = sql.indexOf(tag, pos + tag.length());
        if (end < 0) {
            return false;
        }
        pos = end + tag.length();
        return true;
    }
}
