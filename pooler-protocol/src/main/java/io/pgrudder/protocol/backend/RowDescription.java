package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** RowDescription ('T'): the columns of the rows that follow. */
public record RowDescription(List<Field> fields) implements BackendMessage {
    /** Fixed part of a field after its name: 4 + 2 + 4 + 2 + 4 + 2 bytes. */
    private static final int FIELD_FIXED_SIZE = 18;

    public RowDescription {
        fields = List.copyOf(fields);
    }

    /**
     * One column: name; table OID and column attribute number (0 when not a table column); data
     * type OID, size (negative for variable width) and modifier; format code (0 text, 1 binary).
     */
    public record Field(String name, int tableOid, short columnAttributeNumber, int dataTypeOid,
                        short dataTypeSize, int typeModifier, short format) {
        public Field {
            Objects.requireNonNull(name, "name");
        }

        /** A text-format column not from a table, as the admin console sends. */
        public static Field text(String name, int dataTypeOid, short dataTypeSize) {
            return new Field(name, 0, (short) 0, dataTypeOid, dataTypeSize, -1, (short) 0);
        }
    }

    public static RowDescription decode(ByteBuf body) {
        int count = Frames.readCount16(body);
        Frames.need(body, (long) (FIELD_FIXED_SIZE + 1) * count);
        List<Field> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = Frames.readCString(body);
            Frames.need(body, FIELD_FIXED_SIZE);
            fields.add(new Field(name, body.readInt(), body.readShort(), body.readInt(), body.readShort(),
                    body.readInt(), body.readShort()));
        }
        Frames.requireEnd(body, "RowDescription");
        return new RowDescription(fields);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginMessage(out, MessageType.ROW_DESCRIPTION);
        Frames.writeCount16(out, fields.size());
        for (Field f : fields) {
            Frames.writeCString(out, f.name());
            out.writeInt(f.tableOid());
            out.writeShort(f.columnAttributeNumber());
            out.writeInt(f.dataTypeOid());
            out.writeShort(f.dataTypeSize());
            out.writeInt(f.typeModifier());
            out.writeShort(f.format());
        }
        Frames.endMessage(out, start);
    }
}
