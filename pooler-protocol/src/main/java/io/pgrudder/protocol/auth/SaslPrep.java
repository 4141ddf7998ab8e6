package io.pgrudder.protocol.auth;

import java.text.Normalizer;
import java.util.Arrays;

/**
 * SASLprep (RFC 4013) of a SCRAM password, the way PostgreSQL's {@code pg_saslprep} does it, so the
 * bytes we feed into PBKDF2 are the ones a PostgreSQL server (or libpq) would use for the same
 * password.
 *
 * <p>PostgreSQL treats SASLprep as best effort: a password that cannot be prepared (prohibited
 * characters, broken bidi rules, unassigned code points, empty after mapping, invalid UTF-8) is
 * used exactly as given. So this class never fails; it returns the raw password instead.
 *
 * <p>Two PostgreSQL details are kept on purpose, because matching the server matters more here
 * than matching the RFC to the letter:
 * <ul>
 *   <li>a pure-ASCII password is returned untouched, even if it has control characters;</li>
 *   <li>the prohibited-output, unassigned and bidi checks look at the mapped string before NFKC
 *       normalization (PostgreSQL checks its pre-normalization array), while the result is the
 *       normalized string.</li>
 * </ul>
 * NFKC itself uses the JDK's Unicode version, as PostgreSQL uses its own current tables; the
 * stringprep tables are Unicode 3.2, see {@link SaslPrepTables}.
 */
public final class SaslPrep {

    private SaslPrep() {
    }

    /** The SASLprep-ed password, or {@code password} itself if SASLprep rejects it. */
    public static String prepareOrRaw(String password) {
        if (isAscii(password)) {
            return password;
        }
        String prepared = prepare(password);
        return prepared != null ? prepared : password;
    }

    /** The prepared string, or null where PostgreSQL would answer SASLPREP_PROHIBITED / INVALID_UTF8. */
    private static String prepare(String input) {
        // A Java string can hold an unpaired surrogate, which has no UTF-8 form: PostgreSQL's
        // "not valid UTF-8" case.
        if (hasUnpairedSurrogate(input)) {
            return null;
        }
        int[] mapped = map(input.codePoints().toArray());
        if (mapped.length == 0) {
            return null; // PostgreSQL refuses an empty password here
        }
        if (!passesProhibitionAndBidi(mapped)) {
            return null;
        }
        return Normalizer.normalize(new String(mapped, 0, mapped.length), Normalizer.Form.NFKC);
    }

    /** RFC 4013 section 2.1: non-ASCII spaces become U+0020, "commonly mapped to nothing" go away. */
    private static int[] map(int[] codePoints) {
        int[] out = new int[codePoints.length];
        int count = 0;
        for (int cp : codePoints) {
            if (SaslPrepTables.contains(SaslPrepTables.NON_ASCII_SPACE, cp)) {
                out[count++] = ' ';
            } else if (!SaslPrepTables.contains(SaslPrepTables.COMMONLY_MAPPED_TO_NOTHING, cp)) {
                out[count++] = cp;
            }
        }
        return Arrays.copyOf(out, count);
    }

    /** RFC 4013 sections 2.3-2.5 (prohibited output, bidi, unassigned), RFC 3454 section 6. */
    private static boolean passesProhibitionAndBidi(int[] codePoints) {
        boolean hasRandAL = false;
        boolean hasL = false;
        for (int cp : codePoints) {
            if (SaslPrepTables.contains(SaslPrepTables.PROHIBITED_OUTPUT, cp)
                    || SaslPrepTables.contains(SaslPrepTables.UNASSIGNED, cp)) {
                return false;
            }
            hasRandAL |= SaslPrepTables.contains(SaslPrepTables.RAND_AL_CAT, cp);
            hasL |= SaslPrepTables.contains(SaslPrepTables.L_CAT, cp);
        }
        if (!hasRandAL) {
            return true;
        }
        return !hasL
                && SaslPrepTables.contains(SaslPrepTables.RAND_AL_CAT, codePoints[0])
                && SaslPrepTables.contains(SaslPrepTables.RAND_AL_CAT, codePoints[codePoints.length - 1]);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
