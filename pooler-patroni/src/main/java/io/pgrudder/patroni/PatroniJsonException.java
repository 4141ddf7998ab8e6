package io.pgrudder.patroni;

/** An answer that is not the JSON Patroni sends; its poll counts as a bad response. */
public final class PatroniJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    PatroniJsonException(String message) {
        super(message);
    }
}
