package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;

import java.util.Arrays;

/**
 * The body CopyInResponse, CopyOutResponse and CopyBothResponse share: an overall format (0 text,
 * 1 binary) and one format code per column.
 */
final class CopyFormats {
    private CopyFormats() {
    }

    record Body(byte overallFormat, short[] columnFormats) {
    }

    static Body read(ByteBuf body, String messageName) {
        byte overallFormat = Frames.readInt8(body);
        short[] columnFormats = Frames.readInt16Array(body, Frames.readCount16(body));
        Frames.requireEnd(body, messageName);
        return new Body(overallFormat, columnFormats);
    }

    static void write(ByteBuf out, byte type, byte overallFormat, short[] columnFormats) {
        int start = Frames.beginMessage(out, type);
        out.writeByte(overallFormat);
        Frames.writeCount16(out, columnFormats.length);
        for (short format : columnFormats) {
            out.writeShort(format);
        }
        Frames.endMessage(out, start);
    }

    static int hash(byte overallFormat, short[] columnFormats) {
        return 31 * overallFormat + Arrays.hashCode(columnFormats);
    }

    static String describe(String messageName, byte overallFormat, short[] columnFormats) {
        return messageName + "[overallFormat=" + overallFormat + ", columnFormats=" + Arrays.toString(columnFormats) + "]";
    }
}
