package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a statement that is one {@code SET} or {@code RESET} to tell the session probe which
 * setting it changes, so the probe reads that one setting and not all of pg_settings. Only the
 * plain forms are read; anything else (a second statement, a comment first, a quoted name,
 * {@code SET SESSION CHARACTERISTICS}) is left unread, and its command tag then makes the probe
 * read every setting. The value always comes from the server, never from the text.
 */
final class SettingStatement {
    private static final String NAME = "[a-z_][a-z0-9_$]*(?:\\.[a-z_][a-z0-9_$]*)?";
    private static final Pattern ONE = Pattern.compile("\\s*(set|reset)\\s+([^;]*?)\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern SET_NAME = Pattern.compile("(?:session\\s+)?(" + NAME + ")\\s*(?:=|\\bto\\b)\\s*(.*)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern RESET_NAME = Pattern.compile("(" + NAME + ")", Pattern.CASE_INSENSITIVE);
    private static final Pattern IDENTITY = Pattern.compile("(?:session\\s+)?(?:role\\b.*|session\\s+authorization\\b.*)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private SettingStatement() {
    }

    /** The same test on a Query frame's text, read in place, so that only such texts are decoded. */
    static boolean queryStartsWithSetOrReset(ByteBuf frame) {
        int i = frame.readerIndex() + Frames.HEADER_SIZE;
        int end = frame.writerIndex();
        while (i < end && Character.isWhitespace(frame.getByte(i))) {
            i++;
        }
        return startsWithWord(frame, i, end, "set") || startsWithWord(frame, i, end, "reset");
    }

    private static boolean startsWithWord(ByteBuf frame, int i, int end, String word) {
        if (end - i <= word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if ((frame.getByte(i + k) | 0x20) != word.charAt(k)) {
                return false;
            }
        }
        return Character.isWhitespace(frame.getByte(i + word.length()));
    }

    /** Whether {@code sql} starts (after whitespace) with the word SET or RESET: only then is it read. */
    static boolean startsWithSetOrReset(String sql) {
        int i = 0;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        return sql.regionMatches(true, i, "set", 0, 3) && i + 3 < sql.length() && Character.isWhitespace(sql.charAt(i + 3))
                || sql.regionMatches(true, i, "reset", 0, 5) && i + 5 < sql.length() && Character.isWhitespace(sql.charAt(i + 5));
    }

    /** Tells {@code probe} what the statement changes, when it is one it can read. */
    static void read(String sql, ProbeRequest probe) {
        Matcher one = ONE.matcher(sql);
        if (!one.matches()) {
            return; // a second statement, or an empty one: its tag asks for every setting
        }
        boolean set = one.group(1).equalsIgnoreCase("set");
        String rest = one.group(2);
        String lower = rest.toLowerCase(Locale.ROOT);
        if (set && (lower.startsWith("local ") || lower.startsWith("transaction ") || lower.startsWith("constraints "))) {
            probe.settingStatement(); // lasts as long as its transaction (SET CONSTRAINTS has a tag of its own)
            return;
        }
        if (IDENTITY.matcher(rest).matches()) {
            probe.identity = true;
            probe.settingStatement();
            return;
        }
        if (!set) {
            if (lower.equals("all")) {
                probe.allSettings = true;
            } else if (lower.equals("time zone")) {
                probe.reset("timezone");
            } else if (RESET_NAME.matcher(rest).matches()) {
                probe.reset(lower);
            } else {
                return;
            }
            probe.settingStatement();
            return;
        }
        String named = synonym(lower);
        if (named == null) {
            Matcher m = SET_NAME.matcher(rest);
            if (!m.matches() || m.group(1).equalsIgnoreCase("session")) {
                return;
            }
            named = m.group(1).toLowerCase(Locale.ROOT);
            if (m.group(2).trim().equalsIgnoreCase("default")) {
                probe.reset(named);
                probe.settingStatement();
                return;
            }
        }
        probe.name(named);
        probe.settingStatement();
    }

    /** The setting the SQL-standard spellings change ({@code SET TIME ZONE …}, {@code SET NAMES …}), or null. */
    private static String synonym(String lower) {
        if (lower.startsWith("time zone ")) {
            return "timezone";
        }
        if (lower.startsWith("names ")) {
            return "client_encoding";
        }
        if (lower.startsWith("schema ")) {
            return "search_path";
        }
        if (lower.startsWith("xml option ")) {
            return "xmloption";
        }
        if (lower.startsWith("session characteristics ")) {
            return null; // several settings: read them all (its tag is SET)
        }
        return null;
    }
}
