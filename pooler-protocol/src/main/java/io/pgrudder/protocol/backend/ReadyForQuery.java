package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

/**
 * ReadyForQuery ('Z'): the server is ready for a new query; the transaction status says whether a
 * transaction block is open. Only the three statuses exist, so use {@link #of} and the cached
 * instances.
 */
public record ReadyForQuery(byte transactionStatus) implements BackendMessage {
    public static final byte IDLE = 'I';
    public static final byte IN_TRANSACTION = 'T';
    public static final byte FAILED = 'E';

    public static final ReadyForQuery IDLE_INSTANCE = new ReadyForQuery(IDLE);
    public static final ReadyForQuery IN_TRANSACTION_INSTANCE = new ReadyForQuery(IN_TRANSACTION);
    public static final ReadyForQuery FAILED_INSTANCE = new ReadyForQuery(FAILED);

    public ReadyForQuery {
        if (transactionStatus != IDLE && transactionStatus != IN_TRANSACTION && transactionStatus != FAILED) {
            throw new IllegalArgumentException("invalid transaction status " + Frames.describeType(transactionStatus));
        }
    }

    /** The cached instance for a status; an unknown status is a protocol violation. */
    public static ReadyForQuery of(byte transactionStatus) {
        switch (transactionStatus) {
            case IDLE: return IDLE_INSTANCE;
            case IN_TRANSACTION: return IN_TRANSACTION_INSTANCE;
            case FAILED: return FAILED_INSTANCE;
            default:
                throw PgException.protocolViolation("invalid transaction status "
                        + Frames.describeType(transactionStatus) + " in ReadyForQuery");
        }
    }

    public static ReadyForQuery decode(ByteBuf body) {
        byte status = Frames.readInt8(body);
        Frames.requireEnd(body, "ReadyForQuery");
        return of(status);
    }

    public boolean isIdle() {
        return transactionStatus == IDLE;
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(MessageType.READY_FOR_QUERY);
        out.writeInt(5);
        out.writeByte(transactionStatus);
    }

    @Override
    public String toString() {
        return "ReadyForQuery[" + (char) transactionStatus + "]";
    }
}
