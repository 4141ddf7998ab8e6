package io.pgrudder.server.logging;

/**
 * JSON string literals (RFC 8259, section 7): quotes, backslashes and every control character
 * escaped, so that a value never breaks the one-object-per-line framing; other characters are
 * written as they are (the encoder writes UTF-8). A lone surrogate, which UTF-8 cannot carry, is
 * written as its {@code \}{@code uXXXX} escape instead of becoming a '?'.
 */
final class Json {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    /** Appends {@code value} as a quoted JSON string. */
    static void string(StringBuilder out, CharSequence value) {
        out.append('"');
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        unicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                        out.append(c).append(value.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(out, c);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Appends {@code "name":"value"} after a comma (every field but the first comes this way). */
    static void field(StringBuilder out, String name, CharSequence value) {
        out.append(',');
        string(out, name);
        out.append(':');
        string(out, value);
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    }
}
