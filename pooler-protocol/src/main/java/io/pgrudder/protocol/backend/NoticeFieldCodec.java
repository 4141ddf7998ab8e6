package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Wire form of the ErrorResponse/NoticeResponse field list: (code byte, string)*, then a zero byte. */
final class NoticeFieldCodec {
    private NoticeFieldCodec() {
    }

    static Map<Character, String> copy(Map<Character, String> fields) {
        Map<Character, String> copy = new LinkedHashMap<>(fields);
        copy.forEach((code, value) -> {
            if (code == null || code == 0 || code > 0xff || value == null) {
                throw new IllegalArgumentException("invalid field " + code + "=" + value);
            }
        });
        return Collections.unmodifiableMap(copy);
    }

    static Map<Character, String> decode(ByteBuf body, String messageName) {
        Map<Character, String> fields = new LinkedHashMap<>();
        for (byte code = Frames.readInt8(body); code != 0; code = Frames.readInt8(body)) {
            fields.put((char) (code & 0xff), Frames.readCString(body));
        }
        Frames.requireEnd(body, messageName);
        return fields;
    }

    static void encode(ByteBuf out, byte type, Map<Character, String> fields) {
        int start = Frames.beginMessage(out, type);
        fields.forEach((code, value) -> {
            out.writeByte(code);
            Frames.writeCString(out, value);
        });
        out.writeByte(0);
        Frames.endMessage(out, start);
    }
}
