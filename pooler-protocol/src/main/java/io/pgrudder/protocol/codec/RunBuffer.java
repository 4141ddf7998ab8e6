package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.WrappedByteBuf;

/**
 * A run of adjacent frames as one buffer: a view of their parent's bytes whose reference is the
 * first frame's. Releasing it releases that frame, so the parent is freed by the same buffer that
 * took the reference, leak-detection wrapper and all (a plain slice of the parent would free it
 * behind the wrapper's back, and the detector would report a leak that is not one).
 */
final class RunBuffer extends WrappedByteBuf {
    private final ByteBuf owner;

    /** {@code view} shares the parent's memory without a reference of its own; {@code owner}'s is taken over. */
    RunBuffer(ByteBuf view, ByteBuf owner) {
        super(view);
        this.owner = owner;
    }

    @Override
    public ByteBuf retain() {
        owner.retain();
        return this;
    }

    @Override
    public ByteBuf retain(int increment) {
        owner.retain(increment);
        return this;
    }

    @Override
    public boolean release() {
        return owner.release();
    }

    @Override
    public boolean release(int decrement) {
        return owner.release(decrement);
    }

    @Override
    public ByteBuf touch() {
        owner.touch();
        return this;
    }

    @Override
    public ByteBuf touch(Object hint) {
        owner.touch(hint);
        return this;
    }

    @Override
    public ByteBuf retainedSlice() {
        return retainedSlice(readerIndex(), readableBytes());
    }

    @Override
    public ByteBuf retainedSlice(int index, int length) {
        owner.retain();
        return new RunBuffer(unwrap().slice(index, length), owner);
    }

    @Override
    public ByteBuf readRetainedSlice(int length) {
        ByteBuf slice = retainedSlice(readerIndex(), length);
        skipBytes(length);
        return slice;
    }

    @Override
    public ByteBuf retainedDuplicate() {
        owner.retain();
        return new RunBuffer(unwrap().duplicate(), owner);
    }
}
