package io.pgrudder.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reading and writing the pieces every message is made of. A frame is a whole message: type byte,
 * int32 length (counting itself, not the type byte), body. Every read checks what is left and
 * throws {@link PgException#protocolViolation} (08P01) rather than IndexOutOfBoundsException, with
 * PostgreSQL's own wording ("insufficient data left in message", "invalid string in message").
 */
public final class Frames {
    /** Type byte plus int32 length. */
    public static final int HEADER_SIZE = 5;

    private Frames() {
    }

    /** The type byte of a whole frame, without moving its reader index. */
    public static byte type(ByteBuf frame) {
        if (!frame.isReadable()) {
            throw PgException.protocolViolation("insufficient data left in message");
        }
        return frame.getByte(frame.readerIndex());
    }

    /**
     * The body of a whole frame as a slice that shares the frame's memory and reference count
     * (not retained); the frame's reader index does not move.
     */
    public static ByteBuf body(ByteBuf frame) {
        int start = frame.readerIndex();
        if (frame.readableBytes() < HEADER_SIZE) {
            throw PgException.protocolViolation("insufficient data left in message");
        }
        int length = frame.getInt(start + 1);
        if (length < 4 || length - 4 > frame.readableBytes() - HEADER_SIZE) {
            throw PgException.protocolViolation("invalid message length " + length
                    + " for message type " + describeType(frame.getByte(start)));
        }
        return frame.slice(start + HEADER_SIZE, length - 4);
    }

    /**
     * True when the body of a whole frame starts with an empty string (the unnamed statement or
     * portal of a Parse, Bind or Describe), told from one byte without decoding the message.
     */
    public static boolean firstStringEmpty(ByteBuf frame) {
        return frame.readableBytes() > HEADER_SIZE && frame.getByte(frame.readerIndex() + HEADER_SIZE) == 0;
    }

    /** Reads a NUL-terminated UTF-8 string and the NUL. */
    public static String readCString(ByteBuf buf) {
        int length = buf.bytesBefore((byte) 0);
        if (length < 0) {
            throw PgException.protocolViolation("invalid string in message");
        }
        // The unnamed statement and portal, in nearly every extended-protocol message: no copy.
        String s = length == 0 ? "" : buf.toString(buf.readerIndex(), length, StandardCharsets.UTF_8);
        buf.skipBytes(length + 1);
        return s;
    }

    /** Writes a string as UTF-8 followed by NUL; a NUL inside the string would corrupt the frame. */
    public static void writeCString(ByteBuf out, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string contains NUL: " + s);
        }
        ByteBufUtil.writeUtf8(out, s);
        out.writeByte(0);
    }

    /** Writes the type byte and a length placeholder; returns the position to pass to {@link #endMessage}. */
    public static int beginMessage(ByteBuf out, byte type) {
        int start = out.writerIndex();
        out.writeByte(type);
        out.writeInt(0);
        return start;
    }

    /** Fills in the length of a message begun at {@code start}. */
    public static void endMessage(ByteBuf out, int start) {
        out.setInt(start + 1, out.writerIndex() - start - 1);
    }

    /** Writes a length placeholder of a startup packet (no type byte); returns its position. */
    public static int beginStartupPacket(ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        return start;
    }

    public static void endStartupPacket(ByteBuf out, int start) {
        out.setInt(start, out.writerIndex() - start);
    }

    /**
     * One message encoded into a new buffer from {@code alloc}, ready to be written (pass a
     * message's {@code encode}); the buffer is released if encoding throws.
     */
    public static ByteBuf encoded(ByteBufAllocator alloc, Consumer<ByteBuf> message) {
        ByteBuf out = alloc.buffer();
        try {
            message.accept(out);
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /** Writes a whole message that has no body: type byte and length 4. */
    public static void writeEmptyMessage(ByteBuf out, byte type) {
        out.writeByte(type);
        out.writeInt(4);
    }

    public static byte readInt8(ByteBuf buf) {
        need(buf, 1);
        return buf.readByte();
    }

    public static short readInt16(ByteBuf buf) {
        need(buf, 2);
        return buf.readShort();
    }

    /** An int16 count, read unsigned as PostgreSQL does ({@code pq_getmsgint(msg, 2)}). */
    public static int readCount16(ByteBuf buf) {
        need(buf, 2);
        return buf.readUnsignedShort();
    }

    public static int readInt32(ByteBuf buf) {
        need(buf, 4);
        return buf.readInt();
    }

    /** Reads {@code count} int16 values, checking the bytes are there before allocating. */
    public static short[] readInt16Array(ByteBuf buf, int count) {
        need(buf, 2L * count);
        short[] values = new short[count];
        for (int i = 0; i < count; i++) {
            values[i] = buf.readShort();
        }
        return values;
    }

    /** Reads {@code count} int32 values, checking the bytes are there before allocating. */
    public static int[] readInt32Array(ByteBuf buf, int count) {
        need(buf, 4L * count);
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = buf.readInt();
        }
        return values;
    }

    public static byte[] readBytes(ByteBuf buf, int length) {
        if (length < 0) {
            throw PgException.protocolViolation("invalid length " + length + " in message");
        }
        need(buf, length);
        byte[] bytes = new byte[length];
        buf.readBytes(bytes);
        return bytes;
    }

    public static byte[] readRemaining(ByteBuf buf) {
        return readBytes(buf, buf.readableBytes());
    }

    /** An int32 length followed by that many bytes; length -1 means SQL NULL (returns null). */
    public static byte[] readNullableBytes(ByteBuf buf) {
        int length = readInt32(buf);
        return length == -1 ? null : readBytes(buf, length);
    }

    /** Writes an int32 length and the bytes, or -1 for null. */
    public static void writeNullableBytes(ByteBuf out, byte[] bytes) {
        if (bytes == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(bytes.length);
            out.writeBytes(bytes);
        }
    }

    /** Writes an int16 count, refusing what does not fit the wire's unsigned 16 bits. */
    public static void writeCount16(ByteBuf out, int count) {
        if (count > 0xffff) {
            throw new IllegalArgumentException("more than 65535 items: " + count);
        }
        out.writeShort(count);
    }

    /** Throws when a body has bytes left after its last field. */
    public static void requireEnd(ByteBuf buf, String messageName) {
        if (buf.isReadable()) {
            throw PgException.protocolViolation("invalid message format: " + buf.readableBytes()
                    + " unexpected bytes at the end of " + messageName);
        }
    }

    /** Throws unless at least {@code n} bytes are left. */
    public static void need(ByteBuf buf, long n) {
        if (buf.readableBytes() < n) {
            throw PgException.protocolViolation("insufficient data left in message");
        }
    }

    /** A type byte for error messages: {@code 'Q' (0x51)}. */
    public static String describeType(byte type) {
        String hex = String.format("0x%02x", type & 0xff);
        return type >= 0x20 && type < 0x7f ? "'" + (char) type + "' (" + hex + ")" : hex;
    }
}
