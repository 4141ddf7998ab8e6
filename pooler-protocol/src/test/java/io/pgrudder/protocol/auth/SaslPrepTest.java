package io.pgrudder.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SaslPrepTest {

    @Test
    void asciiPasswordIsReturnedUnchanged() {
        String password = "pencil with spaces, =commas= and \u0001control";
        assertSame(password, SaslPrep.prepareOrRaw(password));
    }

    @Test
    void nonAsciiSpaceBecomesAsciiSpace() {
        assertEquals("pass word", SaslPrep.prepareOrRaw("pass\u00A0word"));
        assertEquals("pass word", SaslPrep.prepareOrRaw("pass\u3000word"));
    }

    @Test
    void softHyphenAndZeroWidthJoinerAreRemoved() {
        assertEquals("password", SaslPrep.prepareOrRaw("pass\u00ADword"));
        assertEquals("password", SaslPrep.prepareOrRaw("pass\u200Dword"));
    }

    @Test
    void outputIsNfkcNormalized() {
        // RFC 4013 section 3 examples: U+00AA -> "a", U+2168 (ROMAN NUMERAL NINE) -> "IX".
        assertEquals("a", SaslPrep.prepareOrRaw("\u00AA"));
        assertEquals("IX", SaslPrep.prepareOrRaw("\u2168"));
        // Decomposed e + combining acute composes to U+00E9.
        assertEquals("caf\u00E9", SaslPrep.prepareOrRaw("cafe\u0301"));
    }

    @Test
    void prohibitedCharacterMeansRawPassword() {
        String withControl = "caf\u00E9\u0007"; // non-ASCII, so no fast path; U+0007 is C.2.1
        assertSame(withControl, SaslPrep.prepareOrRaw(withControl));
        String withPrivateUse = "pass\uE000word";
        assertSame(withPrivateUse, SaslPrep.prepareOrRaw(withPrivateUse));
    }

    @Test
    void prohibitedPasswordIsNotNormalizedEither() {
        String raw = "cafe\u0301\u0007";
        assertSame(raw, SaslPrep.prepareOrRaw(raw));
    }

    @Test
    void unassignedInUnicode32MeansRawPassword() {
        String emoji = "pass\uD83D\uDE00word"; // U+1F600, assigned only after Unicode 3.2
        assertSame(emoji, SaslPrep.prepareOrRaw(emoji));
    }

    @Test
    void bidiRules() {
        // All RandALCat (Hebrew alef, bet): fine.
        assertEquals("\u05D0\u05D1", SaslPrep.prepareOrRaw("\u05D0\u05D1"));
        // RandALCat mixed with LCat: prohibited, raw.
        String mixed = "\u05D0a\u05D1";
        assertSame(mixed, SaslPrep.prepareOrRaw(mixed));
        // RandALCat not first and last: prohibited, raw (RFC 4013 section 3, example 7 style).
        String notFramed = "\u05D01";
        assertSame(notFramed, SaslPrep.prepareOrRaw(notFramed));
    }

    @Test
    void emptyAfterMappingMeansRawPassword() {
        assertSame("\u00AD", SaslPrep.prepareOrRaw("\u00AD"));
    }

    @Test
    void unpairedSurrogateMeansRawPassword() {
        String broken = "ab\uD800c\u00E9";
        assertSame(broken, SaslPrep.prepareOrRaw(broken));
    }

    @Test
    void generatedTablesAreSortedAndDisjoint() {
        for (int[] table : new int[][] {
                SaslPrepTables.NON_ASCII_SPACE, SaslPrepTables.COMMONLY_MAPPED_TO_NOTHING,
                SaslPrepTables.PROHIBITED_OUTPUT, SaslPrepTables.UNASSIGNED,
                SaslPrepTables.RAND_AL_CAT, SaslPrepTables.L_CAT}) {
            assertTrue(SaslPrepTables.isWellFormed(table));
        }
        assertTrue(SaslPrepTables.contains(SaslPrepTables.UNASSIGNED, 0x0221));
        assertTrue(SaslPrepTables.contains(SaslPrepTables.PROHIBITED_OUTPUT, 0x10FFFF));
        assertFalse(SaslPrepTables.contains(SaslPrepTables.PROHIBITED_OUTPUT, 'a'));
    }
}
