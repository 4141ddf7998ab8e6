package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Looks through a Query's or Parse's bytes, in one {@code forEachByte} pass and in any case, for
 * the words that mean a statement may leave session state no command tag names: {@code temp}
 * ({@code CREATE TEMP TABLE … AS}, {@code SELECT … INTO TEMP}, {@code pg_temp.}), {@code set_config},
 * {@code advisory} (the lock functions) and {@code listen} (a function that LISTENs). A hit only
 * asks the server what the session holds after the transaction ({@link SessionProbe}); a word in
 * a literal or an identifier costs that one query, never a wrong answer. Also noted: whether the
 * text has {@code set} and a dot, the only case worth decoding to find custom setting names
 * ({@code SET app.tenant = …}) that pg_settings does not list.
 */
final class SessionScan implements ByteProcessor {
    static final int TEMP = 1;
    static final int SET_CONFIG = 1 << 1;
    static final int ADVISORY = 1 << 2;
    static final int LISTEN = 1 << 3;
    static final int SET = 1 << 4;
    static final int DOT = 1 << 5;
    /** Any of these: the session is probed after the transaction. */
    static final int PROBE = TEMP | SET_CONFIG | ADVISORY | LISTEN;

    // Each needle's first byte occurs nowhere else in it, so a mismatch restarts at this byte.
    private static final byte[][] NEEDLES = {bytes("temp"), bytes("set_config"), bytes("advisory"), bytes("listen"),
            bytes("set")};
    /** For each byte (in lower case), the needles that start with it: most bytes start none. */
    private static final boolean[] STARTS = new boolean[256];

    static {
        for (byte[] needle : NEEDLES) {
            STARTS[needle[0] & 0xff] = true;
        }
    }

    private final int[] matched = new int[NEEDLES.length];
    /** Whether some needle is matched part way (some {@code matched[n] > 0}). */
    private boolean partial;
    private int found;

    private static byte[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < b.length; i++) {
            b[i] |= 0x20;
        }
        return b;
    }

    /** The bits found in the frame's bytes (header included: it holds none of the needles' letters in a row). */
    int scan(ByteBuf frame) {
        found = 0;
        partial = false;
        java.util.Arrays.fill(matched, 0);
        frame.forEachByte(this);
        return found;
    }

    @Override
    public boolean process(byte value) {
        if (value == '.') {
            found |= DOT;
        }
        byte b = (byte) (value | 0x20);
        if (!partial && !STARTS[b & 0xff]) {
            return true; // nothing under way and nothing starts here: every needle stays at 0
        }
        boolean any = false;
        for (int n = 0; n < NEEDLES.length; n++) {
            byte[] needle = NEEDLES[n];
            int m = matched[n];
            if (b == needle[m]) {
                m++;
            } else {
                m = b == needle[0] ? 1 : 0;
            }
            if (m == needle.length) {
                found |= 1 << n;
                m = 0;
            }
            matched[n] = m;
            any |= m > 0;
        }
        partial = any;
        return true;
    }
}
