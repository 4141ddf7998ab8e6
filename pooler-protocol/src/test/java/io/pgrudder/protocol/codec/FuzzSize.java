package io.pgrudder.protocol.codec;

/**
 * How much the fuzz tests do. CI runs the short version; {@code -Dpgrudder.fuzz.long=true} runs
 * at least 10^6 frames at the codec level and more connections end to end. Explicit counts:
 * {@code -Dpgrudder.fuzz.frames=N}, {@code -Dpgrudder.fuzz.connections=N}; the seed:
 * {@code -Dpgrudder.fuzz.seed=N} (the short version has a fixed one, the long one a new one each
 * run; both are printed).
 */
public final class FuzzSize {
    private FuzzSize() {
    }

    public static boolean isLong() {
        return Boolean.getBoolean("pgrudder.fuzz.long");
    }

    /** Frames fed through the client-side codecs. */
    public static long codecFrames() {
        return Long.getLong("pgrudder.fuzz.frames", isLong() ? 1_000_000L : 100_000L);
    }

    /** Connections opened against a real pooler, per test. */
    public static int connections() {
        return Integer.getInteger("pgrudder.fuzz.connections", isLong() ? 3_000 : 150);
    }

    public static long seed() {
        Long given = Long.getLong("pgrudder.fuzz.seed");
        if (given != null) {
            return given;
        }
        return isLong() ? System.nanoTime() : 20261202L;
    }
}
