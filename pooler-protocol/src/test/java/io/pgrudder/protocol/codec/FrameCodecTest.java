package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static io.pgrudder.protocol.Wire.buf;
import static io.pgrudder.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FrameCodec forwards what a relay writes back unchanged, and joins adjacent frames of one read
 * into one outbound buffer: byte-exact, in write order, with nothing leaked (the build runs with
 * paranoid leak detection).
 */
class FrameCodecTest {
    private static final String ROW_DESCRIPTION = "54 0000001a 0001 6100 00000000 0000 00000017 0004 ffffffff 0000";
    private static final String DATA_ROW = "44 0000000b 0001 00000001 31";
    private static final String COMMAND_COMPLETE = "43 0000000d 53454c4543542031 00";
    private static final String READY = "5a 00000005 49";
    private static final String NOTICE = "4e 00000004";

    private LeakWatch leaks;

    @BeforeEach
    void watch() {
        leaks = LeakWatch.start();
    }

    @AfterEach
    void noLeaks() throws InterruptedException {
        assertEquals(List.of(), leaks.collect());
    }

    /** Writes every frame it reads back to the channel (void promise), flushing at the end of each read. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        private final BiConsumer<ChannelHandlerContext, ByteBuf> write;

        Echo(BiConsumer<ChannelHandlerContext, ByteBuf> write) {
            this.write = write;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            write.accept(ctx, (ByteBuf) msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    private static EmbeddedChannel echo() {
        return echo((ctx, frame) -> ctx.write(frame, ctx.voidPromise()));
    }

    private static EmbeddedChannel echo(BiConsumer<ChannelHandlerContext, ByteBuf> write) {
        return new EmbeddedChannel(new FrameCodec(1 << 20), new Echo(write));
    }

    /** What reached the wire, one hex string per outbound buffer, releasing each. */
    private static List<String> written(EmbeddedChannel channel) {
        List<String> out = new ArrayList<>();
        for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
            try {
                out.add(ByteBufUtil.hexDump(b));
            } finally {
                b.release();
            }
        }
        return out;
    }

    private static ByteBuf direct(String spacedHex) {
        ByteBuf heap = buf(spacedHex);
        try {
            ByteBuf d = Unpooled.directBuffer(heap.readableBytes());
            return d.writeBytes(heap);
        } finally {
            heap.release();
        }
    }

    @Test
    void framesOfOneHeapReadGoOutAsOneWrite() {
        EmbeddedChannel channel = echo();
        channel.writeInbound(buf(ROW_DESCRIPTION + DATA_ROW + COMMAND_COMPLETE + READY));
        assertEquals(List.of(hex(ROW_DESCRIPTION + DATA_ROW + COMMAND_COMPLETE + READY)), written(channel));
        assertFalse(channel.finish());
    }

    @Test
    void framesOfOneDirectReadGoOutAsOneWrite() {
        EmbeddedChannel channel = echo();
        channel.writeInbound(direct(ROW_DESCRIPTION + DATA_ROW + COMMAND_COMPLETE + READY));
        assertEquals(List.of(hex(ROW_DESCRIPTION + DATA_ROW + COMMAND_COMPLETE + READY)), written(channel));
        assertFalse(channel.finish());
    }

    @Test
    void aWriteOfAnotherBufferEndsTheRunAndKeepsItsPlace() {
        EmbeddedChannel channel = echo((ctx, frame) -> {
            boolean dataRow = frame.getByte(0) == 'D';
            ctx.write(frame, ctx.voidPromise());
            if (dataRow) {
                ctx.write(buf(NOTICE), ctx.voidPromise());
            }
        });
        channel.writeInbound(buf(ROW_DESCRIPTION + DATA_ROW + COMMAND_COMPLETE + READY));
        assertEquals(List.of(hex(ROW_DESCRIPTION + DATA_ROW), hex(NOTICE), hex(COMMAND_COMPLETE + READY)),
                written(channel));
        assertFalse(channel.finish());
    }

    @Test
    void aSkippedFrameSplitsTheRun() {
        EmbeddedChannel channel = echo((ctx, frame) -> {
            if (frame.getByte(0) == 'D') {
                frame.release();
            } else {
                ctx.write(frame, ctx.voidPromise());
            }
        });
        channel.writeInbound(buf(ROW_DESCRIPTION + DATA_ROW + COMMAND_COMPLETE + READY));
        assertEquals(List.of(hex(ROW_DESCRIPTION), hex(COMMAND_COMPLETE + READY)), written(channel));
        assertFalse(channel.finish());
    }

    @Test
    void aWriteWithAPromiseIsNotJoinedAndItsPromiseCompletes() {
        List<ChannelPromise> promises = new ArrayList<>();
        EmbeddedChannel channel = echo((ctx, frame) -> {
            if (frame.getByte(0) == 'C') {
                ChannelPromise p = ctx.newPromise();
                promises.add(p);
                ctx.write(frame, p);
            } else {
                ctx.write(frame, ctx.voidPromise());
            }
        });
        channel.writeInbound(buf(DATA_ROW + DATA_ROW + COMMAND_COMPLETE + READY));
        assertEquals(List.of(hex(DATA_ROW + DATA_ROW), hex(COMMAND_COMPLETE), hex(READY)), written(channel));
        assertTrue(promises.get(0).isSuccess());
        assertFalse(channel.finish());
    }

    @Test
    void framesOfDifferentReadsAreNotJoined() {
        List<ByteBuf> held = new ArrayList<>();
        // Hold the frames of the first read and write them with the second's, without a flush between.
        EmbeddedChannel channel = new EmbeddedChannel(new FrameCodec(1 << 20), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                held.add((ByteBuf) msg);
            }
        });
        channel.writeInbound(buf(DATA_ROW));
        channel.writeInbound(buf(READY));
        for (ByteBuf frame : held) {
            channel.write(frame, channel.voidPromise());
        }
        channel.flush();
        assertEquals(List.of(hex(DATA_ROW), hex(READY)), written(channel));
        assertFalse(channel.finish());
    }

    @Test
    void oneByteAtATimeComesOutByteExact() {
        EmbeddedChannel channel = echo();
        String all = hex(ROW_DESCRIPTION + DATA_ROW + DATA_ROW + COMMAND_COMPLETE + READY);
        ByteBuf input = buf(ROW_DESCRIPTION + DATA_ROW + DATA_ROW + COMMAND_COMPLETE + READY);
        StringBuilder out = new StringBuilder();
        try {
            while (input.isReadable()) {
                channel.writeInbound(input.readRetainedSlice(1));
                written(channel).forEach(out::append);
            }
        } finally {
            input.release();
        }
        assertEquals(all, out.toString());
        assertFalse(channel.finish());
    }

    @Test
    void aPendingRunIsReleasedWhenTheChannelCloses() {
        EmbeddedChannel channel = echo();
        channel.pipeline().remove(Echo.class);
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.write(msg, ctx.voidPromise()); // never flushed
            }
        });
        channel.writeInbound(buf(DATA_ROW + READY));
        channel.close();
        assertEquals(List.of(), written(channel));
        assertFalse(channel.finish());
    }
}
