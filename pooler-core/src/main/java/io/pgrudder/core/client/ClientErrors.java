package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.backend.ErrorResponse;

/** The one place an error becomes an ErrorResponse on a client's socket. */
public final class ClientErrors {
    private ClientErrors() {
    }

    /** The PgException a decoder threw is wrapped in a DecoderException by Netty. */
    public static Throwable unwrap(Throwable cause) {
        return cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    }

    /** The ErrorResponse for {@code e}; the buffer is released if encoding fails (a NUL in a field). */
    public static ByteBuf encode(Channel channel, PgException e) {
        return Frames.encoded(channel.alloc(), ErrorResponse.from(e)::encode);
    }

    /** Sends the error; a FATAL one also closes the connection once it is written. */
    public static void send(Channel channel, PgException e) {
        if (!channel.isActive()) {
            return;
        }
        var written = channel.writeAndFlush(encode(channel, e));
        if (e.severity() == PgException.Severity.FATAL) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
