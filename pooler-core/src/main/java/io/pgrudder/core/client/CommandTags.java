package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

/**
 * The CommandComplete tags {@link RequestQueue} acts on: DISCARD ALL, DEALLOCATE ALL and
 * ROLLBACK (for the pooler's statements on the server) and those of {@link SessionTags} (DEALLOCATE
 * ALL among them), after which the session is probed.
 * Only these are decoded; SELECT n, INSERT 0 n and the rest are told apart from them in the
 * frame itself, without building a String.
 */
final class CommandTags {
    private static final byte[][] ACTED_ON = Stream.concat(Stream.of("DISCARD ALL", "ROLLBACK"), SessionTags.PROBED.stream())
            .map(t -> t.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);

    private CommandTags() {
    }

    /**
     * Whether a CommandComplete frame carries one of the tags acted on, read in place. A
     * malformed frame answers true, so that decoding it fails as it always did.
     */
    static boolean mayActOn(ByteBuf frame) {
        int start = frame.readerIndex();
        if (frame.readableBytes() < Frames.HEADER_SIZE) {
            return true;
        }
        int bodyLength = frame.getInt(start + 1) - 4;
        if (bodyLength < 1 || bodyLength > frame.readableBytes() - Frames.HEADER_SIZE) {
            return true;
        }
        int tag = start + Frames.HEADER_SIZE;
        int tagLength = bodyLength - 1;
        if (frame.getByte(tag + tagLength) != 0) {
            return true;
        }
        for (byte[] candidate : ACTED_ON) {
            if (candidate.length == tagLength && sameBytes(frame, tag, candidate)) {
                return true;
            }
        }
        // Not one of ours, unless a NUL inside the tag makes the frame one decoding rejects.
        return frame.bytesBefore(tag, tagLength, (byte) 0) >= 0;
    }

    private static boolean sameBytes(ByteBuf frame, int index, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (frame.getByte(index + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
