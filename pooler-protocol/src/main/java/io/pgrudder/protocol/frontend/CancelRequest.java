package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;

import java.util.Arrays;
import java.util.Objects;

/**
 * CancelRequest: code 80877102 (1234.5678), the process id and secret key from BackendKeyData.
 * The key is 4 bytes in protocol 3.0 and up to 256 bytes in 3.2.
 */
public record CancelRequest(int processId, byte[] secretKey) implements StartupPacket {
    public static final int CODE = 80877102;
    public static final int MIN_KEY_LENGTH = 4;
    public static final int MAX_KEY_LENGTH = 256;

    public CancelRequest {
        Objects.requireNonNull(secretKey, "secretKey");
        if (secretKey.length < MIN_KEY_LENGTH || secretKey.length > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("secret key must be 4 to 256 bytes, not " + secretKey.length);
        }
    }

    /** Decodes the bytes after the length: code, process id, secret key (the rest). */
    public static CancelRequest decode(ByteBuf body) {
        if (Frames.readInt32(body) != CODE) {
            throw PgException.protocolViolation("not a CancelRequest");
        }
        int processId = Frames.readInt32(body);
        int keyLength = body.readableBytes();
        if (keyLength < MIN_KEY_LENGTH || keyLength > MAX_KEY_LENGTH) {
            throw PgException.protocolViolation("invalid length of cancel request secret key: " + keyLength);
        }
        return new CancelRequest(processId, Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginStartupPacket(out);
        out.writeInt(CODE);
        out.writeInt(processId);
        out.writeBytes(secretKey);
        Frames.endStartupPacket(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CancelRequest other && processId == other.processId
                && Arrays.equals(secretKey, other.secretKey);
    }

    @Override
    public int hashCode() {
        return 31 * processId + Arrays.hashCode(secretKey);
    }

    @Override
    public String toString() {
        return "CancelRequest[processId=" + processId + ", secretKey=" + ByteArrays.redacted(secretKey) + "]";
    }
}
