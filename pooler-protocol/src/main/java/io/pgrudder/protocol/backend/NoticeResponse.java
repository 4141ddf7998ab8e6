package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.MessageType;

import java.util.LinkedHashMap;
import java.util.Map;

/** NoticeResponse ('N'): a warning or notice, same fields as ErrorResponse; see {@link NoticeFields}. */
public record NoticeResponse(Map<Character, String> fields) implements BackendMessage, NoticeFields {
    public NoticeResponse {
        fields = NoticeFieldCodec.copy(fields);
    }

    /** A notice with severity (S and V), SQLSTATE and message. */
    public static NoticeResponse of(String severity, String sqlState, String message) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity);
        fields.put(SEVERITY_NON_LOCALIZED, severity);
        fields.put(SQL_STATE, sqlState);
        fields.put(MESSAGE, message);
        return new NoticeResponse(fields);
    }

    public static NoticeResponse decode(ByteBuf body) {
        return new NoticeResponse(NoticeFieldCodec.decode(body, "NoticeResponse"));
    }

    @Override
    public void encode(ByteBuf out) {
        NoticeFieldCodec.encode(out, MessageType.NOTICE_RESPONSE, fields);
    }
}
