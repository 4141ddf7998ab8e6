package io.pgrudder.protocol.auth;

import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.SqlState;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reading the {@code name=value,name=value} body of SCRAM messages (RFC 5802 section 5) and the
 * errors raised for ones that do not parse. Shared by {@link ScramClient} and {@link ScramServer}.
 */
final class ScramMessages {

    record Attribute(char name, String value) {
    }

    private ScramMessages() {
    }

    /** Strict UTF-8: a message we would re-encode differently would break the AuthMessage. */
    static String decode(byte[] message) {
        if (message == null || message.length == 0) {
            throw malformed("The message is empty.");
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message))
                    .toString();
            if (s.indexOf('\0') >= 0) {
                throw malformed("The message contains a NUL byte.");
            }
            return s;
        } catch (CharacterCodingException e) {
            throw malformed("The message is not valid UTF-8.");
        }
    }

    /** Splits {@code attr-val *("," attr-val)}; every part must be {@code ALPHA "=" value}. */
    static List<Attribute> attributes(String s) {
        List<Attribute> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            if (part.length() < 2 || !isAlpha(part.charAt(0)) || part.charAt(1) != '=') {
                throw malformed("Attribute expected, but found \"" + part + "\".");
            }
            out.add(new Attribute(part.charAt(0), part.substring(2)));
        }
        return out;
    }

    /** The value of attribute {@code index}, which must be named {@code name}. */
    static String require(List<Attribute> attributes, int index, char name) {
        if (index >= attributes.size() || attributes.get(index).name() != name) {
            throw malformed("Attribute \"" + name + "\" expected.");
        }
        return attributes.get(index).value();
    }

    /** RFC 5802 {@code printable}: %x21-2B / %x2D-7E, and at least one. */
    static boolean isPrintable(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                return false;
            }
        }
        return true;
    }

    /** Base64 value, or null if it is not valid base64. */
    static byte[] base64OrNull(String value) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** PostgreSQL's wording: "malformed SCRAM message" with the reason as DETAIL. */
    static PgException malformed(String detail) {
        return new PgException(PgException.Severity.FATAL, SqlState.PROTOCOL_VIOLATION,
                "malformed SCRAM message", detail, null, null);
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
