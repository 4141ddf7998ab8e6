package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.ByteArrays;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

import java.util.Arrays;
import java.util.Objects;

/**
 * BackendKeyData ('K'): the process id and secret key a client needs for CancelRequest. The key is
 * 4 bytes in protocol 3.0 and up to 256 bytes in 3.2.
 */
public record BackendKeyData(int processId, byte[] secretKey) implements BackendMessage {
    public static final int MIN_KEY_LENGTH = 4;
    public static final int MAX_KEY_LENGTH = 256;

    public BackendKeyData {
        Objects.requireNonNull(secretKey, "secretKey");
        if (secretKey.length < MIN_KEY_LENGTH || secretKey.length > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("secret key must be 4 to 256 bytes, not " + secretKey.length);
        }
    }

    public static BackendKeyData decode(ByteBuf body) {
        int processId = Frames.readInt32(body);
        int keyLength = body.readableBytes();
        if (keyLength < MIN_KEY_LENGTH || keyLength > MAX_KEY_LENGTH) {
            throw PgException.protocolViolation("invalid BackendKeyData secret key length " + keyLength);
        }
        return new BackendKeyData(processId, Frames.readRemaining(body));
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.BACKEND_KEY_DATA);
        out.writeInt(processId);
        out.writeBytes(secretKey);
        Frames.endMessage(out, start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendKeyData other && processId == other.processId
                && Arrays.equals(secretKey, other.secretKey);
    }

    @Override
    public int hashCode() {
        return 31 * processId + Arrays.hashCode(secretKey);
    }

    @Override
    public String toString() {
        return "BackendKeyData[processId=" + processId + ", secretKey=" + ByteArrays.redacted(secretKey) + "]";
    }
}
