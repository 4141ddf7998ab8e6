package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;

import java.util.LinkedHashMap;
import java.util.Map;

/** ErrorResponse ('E'): every field the server sent, in order; see {@link NoticeFields} for accessors. */
public record ErrorResponse(Map<Character, String> fields) implements BackendMessage, NoticeFields {
    public ErrorResponse {
        fields = NoticeFieldCodec.copy(fields);
    }

    /** An error with severity (S and V), SQLSTATE and message. */
    public static ErrorResponse of(String severity, String sqlState, String message) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity);
        fields.put(SEVERITY_NON_LOCALIZED, severity);
        fields.put(SQL_STATE, sqlState);
        fields.put(MESSAGE, message);
        return new ErrorResponse(fields);
    }

    /** The client-visible form of a pgrudder error: S, V, C, M, and D/H when present. */
    public static ErrorResponse from(PgException e) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, e.severity().name());
        fields.put(SEVERITY_NON_LOCALIZED, e.severity().name());
        fields.put(SQL_STATE, e.sqlState());
        fields.put(MESSAGE, e.getMessage());
        if (e.detail() != null) {
            fields.put(DETAIL, e.detail());
        }
        if (e.hint() != null) {
            fields.put(HINT, e.hint());
        }
        return new ErrorResponse(fields);
    }

    public static ErrorResponse decode(ByteBuf body) {
        return new ErrorResponse(NoticeFieldCodec.decode(body, "ErrorResponse"));
    }

    @Override
    public void encode(ByteBuf out) {
        NoticeFieldCodec.encode(out, MessageType.ERROR_RESPONSE, fields);
    }
}
