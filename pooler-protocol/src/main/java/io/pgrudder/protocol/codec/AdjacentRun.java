package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.WrappedByteBuf;

/**
 * One pending outgoing write that later writes may join: when the next buffer is a slice of the
 * same parent buffer and starts where this run ends (frames read in one batch and forwarded
 * unchanged, as the frame decoder cut them), the run grows instead of becoming another write.
 * What is taken is one buffer for the whole run: the first buffer itself when nothing joined,
 * else a {@link RunBuffer} over the parent's bytes that holds the first buffer's reference.
 *
 * <p>Only the parent a slice holds a reference to is followed (after Netty's leak-detection
 * wrappers), never a buffer below it, so the run's bytes stay the parent's for as long as the
 * taken slice lives. Not thread-safe: one per channel, used on its event loop.
 */
final class AdjacentRun {
    /** The first buffer of the run, owned by the run; null when nothing is pending. */
    private ByteBuf first;
    /** The first buffer's parent, or null when the run cannot grow. */
    private ByteBuf parent;
    private int start;
    private int length;
    private boolean grown;

    /**
     * Adds {@code buf} (the run takes its reference): returns the run written before it when
     * {@code buf} does not continue that run, else null.
     */
    ByteBuf add(ByteBuf buf) {
        if (first != null && parent != null && parentOf(buf) == parent
                && offsetIn(buf, parent) == (long) start + length
                && (long) start + length + buf.readableBytes() <= parent.capacity()) {
            length += buf.readableBytes();
            grown = true;
            buf.release();
            return null;
        }
        ByteBuf before = take();
        first = buf;
        length = buf.readableBytes();
        parent = parentOf(buf);
        long offset = parent == null ? -1 : offsetIn(buf, parent);
        if (offset < 0 || offset + length > parent.capacity()) {
            parent = null;
        } else {
            start = (int) offset;
        }
        return before;
    }

    /** The pending run as one buffer (the caller owns it), or null when nothing is pending. */
    ByteBuf take() {
        ByteBuf run = first;
        if (run == null) {
            return null;
        }
        if (grown) {
            run = new RunBuffer(parent.slice(start, length), first);
        }
        first = null;
        parent = null;
        grown = false;
        return run;
    }

    /** Drops the pending run (the channel is gone). */
    void release() {
        ByteBuf run = take();
        if (run != null) {
            run.release();
        }
    }

    /** The buffer a slice or duplicate holds its reference on, past leak-detection wrappers; null for any other. */
    private static ByteBuf parentOf(ByteBuf buf) {
        ByteBuf b = buf;
        while (b instanceof WrappedByteBuf) {
            b = b.unwrap();
        }
        return b == null ? null : b.unwrap();
    }

    /** Where {@code buf}'s readable bytes start in {@code parent}'s memory, or -1 when it cannot be told. */
    private static long offsetIn(ByteBuf buf, ByteBuf parent) {
        if (buf.hasMemoryAddress() && parent.hasMemoryAddress()) {
            long offset = buf.memoryAddress() + buf.readerIndex() - parent.memoryAddress();
            return offset >= 0 ? offset : -1;
        }
        if (buf.hasArray() && parent.hasArray() && buf.array() == parent.array()) {
            long offset = (long) buf.arrayOffset() + buf.readerIndex() - parent.arrayOffset();
            return offset >= 0 ? offset : -1;
        }
        return -1;
    }
}
