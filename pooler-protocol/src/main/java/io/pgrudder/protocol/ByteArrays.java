package io.pgrudder.protocol;

import io.netty.buffer.ByteBufUtil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * equals/hashCode/toString for the byte-array fields of message records, which records would
 * otherwise compare by identity. Message records take ownership of the arrays they are given and
 * hand them out as they are: treat them as read-only.
 */
public final class ByteArrays {
    private static final int MAX_HEX = 32;

    private ByteArrays() {
    }

    /** An unmodifiable copy of a list that may hold null elements (SQL NULL). */
    public static List<byte[]> copyOf(List<byte[]> values) {
        return Collections.unmodifiableList(new ArrayList<>(values));
    }

    public static boolean equals(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    public static int hashCode(List<byte[]> values) {
        int h = 1;
        for (byte[] v : values) {
            h = 31 * h + Arrays.hashCode(v);
        }
        return h;
    }

    /** Hex of the first bytes, with the length; "null" for null. */
    public static String toString(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String hex = ByteBufUtil.hexDump(bytes, 0, Math.min(bytes.length, MAX_HEX));
        return bytes.length > MAX_HEX ? hex + "...(" + bytes.length + " bytes)" : hex;
    }

    public static String toString(List<byte[]> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(toString(values.get(i)));
        }
        return sb.append(']').toString();
    }

    /** For secrets (cancel keys, SASL/GSS tokens): the length only. */
    public static String redacted(byte[] bytes) {
        return bytes == null ? "null" : "<" + bytes.length + " bytes>";
    }
}
