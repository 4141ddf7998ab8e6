package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text that is exactly one DEALLOCATE (optionally PREPARE, optionally a semicolon): of ALL, or
 * of one statement, its name as PostgreSQL reads it ("Quoted" as is, unquoted folded to lower
 * case). The pooler answers or rewrites these, as the client's names are not the server's.
 */
record Deallocation(String name) {
    private static final Pattern DEALLOCATE = Pattern.compile(
            "\\s*deallocate\\s+(?:prepare\\s+)?(all|\"(?:[^\"]|\"\")+\"|[a-z_][a-z0-9_$]*)\\s*;?\\s*", Pattern.CASE_INSENSITIVE);
    private static final byte[] WORD = "deallocate".getBytes(StandardCharsets.US_ASCII);
    private static final Deallocation ALL = new Deallocation(null);

    /** The DEALLOCATE {@code sql} is, or null when it is anything else. */
    static Deallocation of(String sql) {
        if (!startsWithWord(sql)) {
            return null;
        }
        Matcher m = DEALLOCATE.matcher(sql);
        if (!m.matches()) {
            return null;
        }
        String written = m.group(1);
        if (written.equalsIgnoreCase("all")) {
            return ALL;
        }
        return new Deallocation(written.startsWith("\"")
                ? written.substring(1, written.length() - 1).replace("\"\"", "\"")
                : written.toLowerCase(Locale.ROOT));
    }

    /** DEALLOCATE ALL. */
    boolean all() {
        return name == null;
    }

    /** Whether a Query's text starts with DEALLOCATE (any case), looked at without decoding it. */
    static boolean startsWithDeallocate(ByteBuf frame) {
        return textStartsWithDeallocate(frame, Frames.HEADER_SIZE);
    }

    /** The same for the text of a Parse of the unnamed statement (its name is the one NUL byte before it). */
    static boolean unnamedParseStartsWithDeallocate(ByteBuf frame) {
        return textStartsWithDeallocate(frame, Frames.HEADER_SIZE + 1);
    }

    private static boolean textStartsWithDeallocate(ByteBuf frame, int textOffset) {
        int i = frame.readerIndex() + textOffset;
        int end = frame.writerIndex();
        while (i < end && Character.isWhitespace(frame.getByte(i))) {
            i++;
        }
        if (end - i < WORD.length) {
            return false;
        }
        for (byte b : WORD) {
            if ((frame.getByte(i++) | 0x20) != b) {
                return false;
            }
        }
        return true;
    }

    /** The same test on a String, so that the pattern runs only on texts that may match. */
    private static boolean startsWithWord(String sql) {
        int i = 0;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        return sql.regionMatches(true, i, "deallocate", 0, WORD.length);
    }
}
