package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.CopyData;
import io.pgrudder.protocol.CopyDone;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

/** The one switch over the type byte of client-to-server messages (after startup). */
public final class FrontendMessages {
    private FrontendMessages() {
    }

    /**
     * Decodes a whole frame (type byte, length, body) without moving its reader index or releasing
     * it. 'p' decodes as {@link PasswordMessage}; during SASL or GSS authentication call
     * {@link SASLInitialResponse#decode}, {@link SASLResponse#decode} or {@link GSSResponse#decode}
     * on {@link Frames#body} instead.
     */
    public static FrontendMessage decode(ByteBuf frame) {
        byte type = Frames.type(frame);
        ByteBuf body = Frames.body(frame);
        switch (type) {
            case MessageType.QUERY: return Query.decode(body);
            case MessageType.PARSE: return Parse.decode(body);
            case MessageType.BIND: return Bind.decode(body);
            case MessageType.DESCRIBE: return Describe.decode(body);
            case MessageType.EXECUTE: return Execute.decode(body);
            case MessageType.SYNC: return Sync.decode(body);
            case MessageType.FLUSH: return Flush.decode(body);
            case MessageType.CLOSE: return Close.decode(body);
            case MessageType.FUNCTION_CALL: return FunctionCall.decode(body);
            case MessageType.TERMINATE: return Terminate.decode(body);
            case MessageType.COPY_DATA: return CopyData.decode(body);
            case MessageType.COPY_DONE: return CopyDone.decode(body);
            case MessageType.COPY_FAIL: return CopyFail.decode(body);
            case MessageType.PASSWORD_MESSAGE: return PasswordMessage.decode(body);
            default:
                throw PgException.protocolViolation("invalid frontend message type " + Frames.describeType(type));
        }
    }
}
