package io.pgrudder.protocol.codec;

import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.frontend.CancelRequest;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of a client's frames: bit flips, bytes inserted or deleted, a length field made
 * too small, too large or negative, truncation, two frames spliced, garbage, random frames, and
 * body mutations that keep the length right so the message decoders see them. Deterministic for
 * a given {@link Random}.
 */
public final class Mutator {
    /** The frontend type bytes, and a few that are not. */
    private static final byte[] TYPES = {MessageType.QUERY, MessageType.PARSE, MessageType.BIND, MessageType.DESCRIBE,
            MessageType.EXECUTE, MessageType.SYNC, MessageType.FLUSH, MessageType.CLOSE, MessageType.FUNCTION_CALL,
            MessageType.TERMINATE, MessageType.COPY_DATA, MessageType.COPY_DONE, MessageType.COPY_FAIL,
            MessageType.PASSWORD_MESSAGE, 'Z', 'R', 0, (byte) 0xff};
    private static final int[] STARTUP_CODES = {StartupMessage.PROTOCOL_3_0, StartupMessage.PROTOCOL_3_2, 196609,
            0x00020000, 0x00040000, SSLRequest.CODE, GSSENCRequest.CODE, CancelRequest.CODE, 0, -1};
    private static final int[] INTERESTING = {0, 1, -1, 3, 4, 5, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 65536,
            10000, 10001, Integer.MAX_VALUE, Integer.MIN_VALUE};

    private final Random random;

    public Mutator(Random random) {
        this.random = random;
    }

    /** 1 to 4 mutations of any kind; {@code donors} supply frames to splice with. */
    public List<WireFrame> mutate(List<WireFrame> frames, List<WireFrame> donors) {
        List<WireFrame> out = new ArrayList<>(frames);
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            if (out.isEmpty()) {
                out.add(garbage());
                continue;
            }
            int at = random.nextInt(out.size());
            WireFrame f = out.get(at);
            switch (random.nextInt(13)) {
                case 0 -> out.set(at, flipBits(f));
                case 1 -> out.set(at, insertBytes(f));
                case 2 -> out.set(at, deleteBytes(f));
                case 3 -> out.set(at, withLength(f, random.nextInt(Math.max(1, f.bytes().length - f.lengthOffset()))));
                case 4 -> out.set(at, withLength(f, tooLarge(f)));
                case 5 -> out.set(at, withLength(f, negative()));
                case 6 -> truncate(out, at);
                case 7 -> out.set(at, splice(f, donors.get(random.nextInt(donors.size()))));
                case 8 -> out.add(random.nextInt(out.size() + 1), garbage());
                default -> mutateKeepingFramingOnce(out);
            }
        }
        return out;
    }

    /**
     * 1 to 4 mutations that keep every frame's length equal to its bytes (body mutations, random
     * well-formed frames, frames dropped, duplicated or swapped), so a peer can still find where
     * the next message starts. For typed frames only.
     */
    public List<WireFrame> mutateKeepingFraming(List<WireFrame> frames) {
        List<WireFrame> out = new ArrayList<>(frames);
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            mutateKeepingFramingOnce(out);
        }
        return out;
    }

    private void mutateKeepingFramingOnce(List<WireFrame> out) {
        if (out.isEmpty()) {
            out.add(randomTypedFrame());
            return;
        }
        int at = random.nextInt(out.size());
        switch (random.nextInt(7)) {
            case 0, 1, 2 -> out.set(at, mutateBody(out.get(at)));
            case 3 -> out.add(random.nextInt(out.size() + 1),
                    out.get(at).startupPacket() && random.nextBoolean() ? randomStartupPacket() : randomTypedFrame());
            case 4 -> out.remove(at);
            case 5 -> out.add(random.nextInt(out.size() + 1), out.get(at));
            default -> {
                int other = random.nextInt(out.size());
                WireFrame f = out.get(at);
                out.set(at, out.get(other));
                out.set(other, f);
            }
        }
    }

    /** Random bytes with no structure at all. */
    public WireFrame garbage() {
        byte[] bytes = new byte[1 + random.nextInt(64)];
        random.nextBytes(bytes);
        return new WireFrame(bytes, false);
    }

    /** A typed frame whose length is right and whose body is random. */
    public WireFrame randomTypedFrame() {
        byte[] body = new byte[random.nextInt(48)];
        random.nextBytes(body);
        sprinkleNuls(body);
        return typed(TYPES[random.nextInt(TYPES.length)], body);
    }

    /** A startup packet whose length is right, with a known or odd code and a random body. */
    public WireFrame randomStartupPacket() {
        byte[] rest = new byte[random.nextInt(40)];
        random.nextBytes(rest);
        sprinkleNuls(rest);
        byte[] bytes = new byte[8 + rest.length];
        putInt(bytes, 0, bytes.length);
        putInt(bytes, 4, STARTUP_CODES[random.nextInt(STARTUP_CODES.length)]);
        System.arraycopy(rest, 0, bytes, 8, rest.length);
        return new WireFrame(bytes, true);
    }

    WireFrame flipBits(WireFrame f) {
        if (f.bytes().length == 0) {
            return f;
        }
        byte[] b = f.bytes().clone();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            int at = random.nextInt(b.length);
            b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return new WireFrame(b, f.startupPacket());
    }

    WireFrame insertBytes(WireFrame f) {
        byte[] extra = new byte[1 + random.nextInt(8)];
        random.nextBytes(extra);
        int at = random.nextInt(f.bytes().length + 1);
        return new WireFrame(insert(f.bytes(), at, extra), f.startupPacket());
    }

    WireFrame deleteBytes(WireFrame f) {
        byte[] b = f.bytes();
        if (b.length == 0) {
            return f;
        }
        int at = random.nextInt(b.length);
        int n = Math.min(b.length - at, 1 + random.nextInt(8));
        return new WireFrame(delete(b, at, n), f.startupPacket());
    }

    private int tooLarge(WireFrame f) {
        int actual = f.bytes().length - f.lengthOffset();
        return switch (random.nextInt(3)) {
            case 0 -> actual + 1 + random.nextInt(16);
            case 1 -> actual + 1 + random.nextInt(100_000);
            default -> INTERESTING[random.nextInt(INTERESTING.length)];
        };
    }

    private int negative() {
        return switch (random.nextInt(3)) {
            case 0 -> -1;
            case 1 -> Integer.MIN_VALUE;
            default -> -1 - random.nextInt(Integer.MAX_VALUE);
        };
    }

    static WireFrame withLength(WireFrame f, int length) {
        byte[] b = f.bytes().clone();
        if (b.length >= f.lengthOffset() + 4) {
            putInt(b, f.lengthOffset(), length);
        }
        return new WireFrame(b, f.startupPacket());
    }

    /** Cuts frame {@code at} short; half the time what followed it is gone too (a dropped connection). */
    private void truncate(List<WireFrame> frames, int at) {
        WireFrame f = frames.get(at);
        if (f.bytes().length == 0) {
            frames.remove(at);
            return;
        }
        frames.set(at, new WireFrame(Arrays.copyOf(f.bytes(), random.nextInt(f.bytes().length)), f.startupPacket()));
        if (random.nextBoolean()) {
            frames.subList(at + 1, frames.size()).clear();
        }
    }

    /** The head of one frame and the tail of another. */
    WireFrame splice(WireFrame a, WireFrame b) {
        int cutA = random.nextInt(a.bytes().length + 1);
        int cutB = random.nextInt(b.bytes().length + 1);
        byte[] out = new byte[cutA + b.bytes().length - cutB];
        System.arraycopy(a.bytes(), 0, out, 0, cutA);
        System.arraycopy(b.bytes(), cutB, out, cutA, b.bytes().length - cutB);
        return new WireFrame(out, a.startupPacket());
    }

    /** Changes the body and then sets the length to match, so the frame decoder lets it through. */
    WireFrame mutateBody(WireFrame f) {
        int start = f.bodyOffset();
        if (f.bytes().length < start) {
            return f;
        }
        byte[] body = Arrays.copyOfRange(f.bytes(), start, f.bytes().length);
        switch (random.nextInt(8)) {
            case 0 -> {
                if (body.length > 0) {
                    body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> {
                if (body.length > 0) {
                    body[random.nextInt(body.length)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
                }
            }
            case 2 -> {
                if (body.length >= 2) {
                    int at = random.nextInt(body.length - 1);
                    int v = INTERESTING[random.nextInt(INTERESTING.length)];
                    body[at] = (byte) (v >>> 8);
                    body[at + 1] = (byte) v;
                }
            }
            case 3 -> {
                if (body.length >= 4) {
                    putInt(body, random.nextInt(body.length - 3), INTERESTING[random.nextInt(INTERESTING.length)]);
                }
            }
            case 4 -> body = insert(body, random.nextInt(body.length + 1), new byte[]{0});
            case 5 -> {
                int nul = lastNul(body);
                if (nul >= 0) {
                    body = delete(body, nul, 1);
                }
            }
            case 6 -> {
                if (body.length > 0) {
                    body = Arrays.copyOf(body, random.nextInt(body.length));
                }
            }
            default -> {
                byte[] extra = new byte[1 + random.nextInt(16)];
                random.nextBytes(extra);
                body = insert(body, random.nextInt(body.length + 1), extra);
            }
        }
        byte[] out = new byte[start + body.length];
        System.arraycopy(f.bytes(), 0, out, 0, start);
        System.arraycopy(body, 0, out, start, body.length);
        putInt(out, f.lengthOffset(), out.length - f.lengthOffset());
        return new WireFrame(out, f.startupPacket());
    }

    private WireFrame typed(byte type, byte[] body) {
        byte[] bytes = new byte[5 + body.length];
        bytes[0] = type;
        putInt(bytes, 1, 4 + body.length);
        System.arraycopy(body, 0, bytes, 5, body.length);
        return new WireFrame(bytes, false);
    }

    /** Random bodies seldom hold a NUL, and without one no string field ever parses. */
    private void sprinkleNuls(byte[] body) {
        for (int i = 0; i < body.length; i++) {
            if (random.nextInt(6) == 0) {
                body[i] = 0;
            }
        }
    }

    private static int lastNul(byte[] b) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] insert(byte[] b, int at, byte[] extra) {
        byte[] out = new byte[b.length + extra.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(extra, 0, out, at, extra.length);
        System.arraycopy(b, at, out, at + extra.length, b.length - at);
        return out;
    }

    private static byte[] delete(byte[] b, int at, int n) {
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
