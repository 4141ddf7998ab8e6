package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.CopyData;
import io.pgrudder.protocol.CopyDone;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

/** The one switch over the type byte of server-to-client messages. */
public final class BackendMessages {
    private BackendMessages() {
    }

    /** Decodes a whole frame (type byte, length, body) without moving its reader index or releasing it. */
    public static BackendMessage decode(ByteBuf frame) {
        byte type = Frames.type(frame);
        ByteBuf body = Frames.body(frame);
        switch (type) {
            case MessageType.AUTHENTICATION_REQUEST: return Authentication.decode(body);
            case MessageType.PARAMETER_STATUS: return ParameterStatus.decode(body);
            case MessageType.BACKEND_KEY_DATA: return BackendKeyData.decode(body);
            case MessageType.READY_FOR_QUERY: return ReadyForQuery.decode(body);
            case MessageType.ERROR_RESPONSE: return ErrorResponse.decode(body);
            case MessageType.NOTICE_RESPONSE: return NoticeResponse.decode(body);
            case MessageType.NOTIFICATION_RESPONSE: return NotificationResponse.decode(body);
            case MessageType.NEGOTIATE_PROTOCOL_VERSION: return NegotiateProtocolVersion.decode(body);
            case MessageType.COMMAND_COMPLETE: return CommandComplete.decode(body);
            case MessageType.DATA_ROW: return DataRow.decode(body);
            case MessageType.ROW_DESCRIPTION: return RowDescription.decode(body);
            case MessageType.PARAMETER_DESCRIPTION: return ParameterDescription.decode(body);
            case MessageType.PARSE_COMPLETE: return ParseComplete.decode(body);
            case MessageType.BIND_COMPLETE: return BindComplete.decode(body);
            case MessageType.CLOSE_COMPLETE: return CloseComplete.decode(body);
            case MessageType.NO_DATA: return NoData.decode(body);
            case MessageType.EMPTY_QUERY_RESPONSE: return EmptyQueryResponse.decode(body);
            case MessageType.PORTAL_SUSPENDED: return PortalSuspended.decode(body);
            case MessageType.COPY_IN_RESPONSE: return CopyInResponse.decode(body);
            case MessageType.COPY_OUT_RESPONSE: return CopyOutResponse.decode(body);
            case MessageType.COPY_BOTH_RESPONSE: return CopyBothResponse.decode(body);
            case MessageType.FUNCTION_CALL_RESPONSE: return FunctionCallResponse.decode(body);
            case MessageType.COPY_DATA: return CopyData.decode(body);
            case MessageType.COPY_DONE: return CopyDone.decode(body);
            default:
                throw PgException.protocolViolation("invalid backend message type " + Frames.describeType(type));
        }
    }
}
