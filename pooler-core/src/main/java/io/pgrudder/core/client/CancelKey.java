package io.pgrudder.core.client;

import java.util.Arrays;

/** The (process id, secret key) pair a client got in BackendKeyData and sends back to cancel. */
public record CancelKey(int processId, byte[] secretKey) {
    public CancelKey {
        secretKey = secretKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CancelKey k && k.processId == processId && Arrays.equals(k.secretKey, secretKey);
    }

    @Override
    public int hashCode() {
        return 31 * processId + Arrays.hashCode(secretKey);
    }

    @Override
    public String toString() {
        return "CancelKey[pid " + processId + "]";
    }
}
