package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;

/**
 * Looks through a Query's or Parse's bytes, in one pass and in any case, for
 * the words that mean a statement may leave session state no command tag names: {@code temp}
 * ({@code CREATE TEMP TABLE … AS}, {@code SELECT … INTO TEMP}, {@code pg_temp.}), {@code set_config},
 * {@code advisory} (the lock functions) and {@code listen} (a function that LISTENs). A hit only
 * asks the server what the session holds after the transaction ({@link SessionProbe}); a word in
 * a literal or an identifier costs that one query, never a wrong answer. Also noted: whether the
 * text has {@code set} and a dot, the only case worth decoding to find custom setting names
 * ({@code SET app.tenant = …}) that pg_settings does not list.
 */
final class SessionScan {
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

    /** Per event loop thread, so an idle client holds no buffer for this. */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[4096];
        }
    };

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

    /**
     * The bits found in the frame's bytes (header included: it holds none of the needles' letters in
     * a row). The bytes are read in chunks into the event loop's scratch array, not one virtual
     * {@code getByte} per byte through the frame's slice: this runs on every Query and Parse.
     */
    int scan(ByteBuf frame) {
        found = 0;
        partial = false;
        java.util.Arrays.fill(matched, 0);
        int from = frame.readerIndex();
        int end = frame.writerIndex();
        if (frame.hasArray()) {
            scan(frame.array(), frame.arrayOffset() + from, frame.arrayOffset() + end);
            return found;
        }
        byte[] chunk = SCRATCH.get();
        while (from < end) {
            int n = Math.min(chunk.length, end - from);
            frame.getBytes(from, chunk, 0, n);
            scan(chunk, 0, n);
            from += n;
        }
        return found;
    }

    private void scan(byte[] bytes, int from, int end) {
        for (int i = from; i < end; i++) {
            process(bytes[i]);
        }
    }

    private boolean process(byte value) {
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
