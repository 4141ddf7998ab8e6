package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;

import java.util.List;

/**
 * Splits the byte stream after startup into whole messages (type byte, int32 length, body), each
 * emitted as a retained slice that the next handler owns and must release. The length is checked
 * against the limit before any byte of the body is waited for, so a hostile length cannot make us
 * buffer a gigabyte. After a bad length the stream cannot be re-synchronised: the decoder throws
 * once (08P01, seen by the pipeline as a DecoderException) and then drops everything that follows.
 */
public class FrameDecoder extends ByteToMessageDecoder {
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 30;
    /**
     * The limit until the client is authenticated: PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH (65535) for
     * password and SASL messages, so an unauthenticated peer cannot make us buffer max_message_size.
     */
    public static final int MAX_LOGIN_MESSAGE_SIZE = 65536;

    private int maxMessageSize;
    private boolean failed;

    public FrameDecoder(int maxMessageSize) {
        if (maxMessageSize < Frames.HEADER_SIZE) {
            throw new IllegalArgumentException("maxMessageSize must be at least 5, not " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
    }

    public FrameDecoder() {
        this(DEFAULT_MAX_MESSAGE_SIZE);
    }

    /**
     * Changes the limit for the frames that follow (called on the channel's event loop, e.g. from
     * the handler that just read the frame which authenticated the client).
     */
    public void maxMessageSize(int maxMessageSize) {
        if (maxMessageSize < Frames.HEADER_SIZE) {
            throw new IllegalArgumentException("maxMessageSize must be at least 5, not " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Frames.HEADER_SIZE) {
            return;
        }
        int start = in.readerIndex();
        byte type = in.getByte(start);
        int length = in.getInt(start + 1);
        if (length < 4 || (long) length + 1 > maxMessageSize) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw PgException.protocolViolation("invalid message length " + length + " for message type "
                    + Frames.describeType(type) + (length < 4 ? " (less than 4)" : " (limit is " + maxMessageSize
                    + " bytes including the type byte)"));
        }
        if (in.readableBytes() < length + 1) {
            return;
        }
        out.add(in.readRetainedSlice(length + 1));
    }
}
