package io.pgrudder.patroni;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into its top-level JSON objects, as etcd's v3 gateway streams watch
 * responses ({@code {"result":...}} after {@code {"result":...}}, split across HTTP chunks
 * anywhere). Tracks only nesting, strings and escapes; whatever lies between objects (newlines)
 * is skipped. Not thread-safe: one stream, one caller.
 */
final class JsonObjectSplitter {

    /** An object larger than the limit. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException(int limit) {
            super("a watch message larger than " + limit + " bytes");
        }
    }

    private final int maxObject;
    private byte[] buffer = new byte[1024];
    private int length;
    private int depth;
    private boolean inString;
    private boolean escaped;

    JsonObjectSplitter(int maxObject) {
        this.maxObject = maxObject;
    }

    /** Feeds the next bytes; each object they complete goes to {@code sink}, in order. */
    void feed(byte[] bytes, int offset, int count, Consumer<byte[]> sink) throws TooLargeException {
        for (int i = offset; i < offset + count; i++) {
            byte b = bytes[i];
            if (depth == 0) {
                if (b != '{') {
                    continue; // between objects
                }
                length = 0;
            }
            append(b);
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
                if (depth == 0) {
                    sink.accept(Arrays.copyOf(buffer, length));
                    length = 0;
                }
            }
        }
    }

    private void append(byte b) throws TooLargeException {
        if (length == buffer.length) {
            if (length >= maxObject) {
                throw new TooLargeException(maxObject);
            }
            buffer = Arrays.copyOf(buffer, Math.min(maxObject, length * 2));
        }
        buffer[length++] = b;
    }
}
