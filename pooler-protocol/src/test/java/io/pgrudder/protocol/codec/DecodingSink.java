package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.auth.ScramClient;
import io.pgrudder.protocol.auth.ScramFixtures;
import io.pgrudder.protocol.auth.ScramServer;
import io.pgrudder.protocol.frontend.FrontendMessages;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.SASLInitialResponse;
import io.pgrudder.protocol.frontend.SASLResponse;

import java.util.List;

/**
 * The end of the fuzzed pipeline: reads each frame the way the pooler would in its phase (the
 * 'p' messages of an md5 or SCRAM login, then any frontend message), re-encodes what decoded and
 * checks it decodes to the same message, and releases every frame. An exception is recorded and
 * closes the channel, as the pooler's handlers do; nothing reaches the pipeline's tail.
 */
final class DecodingSink extends ChannelInboundHandlerAdapter {
    /** The limit once logged in: the project's tests use 1 MiB for max_message_size. */
    static final int MAX_MESSAGE_SIZE = 1 << 20;

    private enum Step { MD5_PASSWORD, SASL_INITIAL_RESPONSE, SASL_RESPONSE, SESSION }

    private final List<Throwable> errors;
    private Step step;
    private ScramServer scram;
    int frames;

    DecodingSink(RecordedSessions.Login login, List<Throwable> errors) {
        this.errors = errors;
        this.step = switch (login) {
            case MD5 -> Step.MD5_PASSWORD;
            case SCRAM -> Step.SASL_INITIAL_RESPONSE;
            default -> Step.SESSION;
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (step == Step.SESSION) {
            loggedIn(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (!ctx.channel().isOpen()) {
                return;
            }
            read(ctx, frame);
            frames++;
        } finally {
            frame.release();
        }
    }

    private void read(ChannelHandlerContext ctx, ByteBuf frame) {
        byte type = Frames.type(frame);
        if (step == Step.SESSION) {
            FrontendMessage message = FrontendMessages.decode(frame);
            assertRoundTrip(ctx, message);
            if (type == MessageType.TERMINATE) {
                ctx.close();
            }
            return;
        }
        if (type == MessageType.TERMINATE) {
            ctx.close();
            return;
        }
        if (type != MessageType.PASSWORD_MESSAGE) {
            throw PgException.protocolViolation("expected a password response, received message type "
                    + Frames.describeType(type));
        }
        ByteBuf body = Frames.body(frame);
        switch (step) {
            case MD5_PASSWORD -> {
                PasswordMessage.decode(body);
                loggedIn(ctx);
            }
            case SASL_INITIAL_RESPONSE -> {
                SASLInitialResponse initial = SASLInitialResponse.decode(body);
                if (!ScramClient.MECHANISM.equals(initial.mechanism()) || initial.data() == null) {
                    throw PgException.protocolViolation("invalid SASLInitialResponse");
                }
                scram = ScramFixtures.server("scramuser");
                scram.handleClientFirst(initial.data());
                step = Step.SASL_RESPONSE;
            }
            default -> {
                scram.handleClientFinal(SASLResponse.decode(body).data());
                loggedIn(ctx);
            }
        }
    }

    private void loggedIn(ChannelHandlerContext ctx) {
        step = Step.SESSION;
        ctx.pipeline().get(FrameDecoder.class).maxMessageSize(MAX_MESSAGE_SIZE);
    }

    /** What decoded must encode to bytes that decode to an equal message. */
    private static void assertRoundTrip(ChannelHandlerContext ctx, FrontendMessage message) {
        ByteBuf again = ctx.alloc().buffer();
        try {
            message.encode(again);
            FrontendMessage decoded = FrontendMessages.decode(again);
            if (!decoded.equals(message)) {
                throw new AssertionError("re-encoded " + message + " decodes as " + decoded);
            }
        } finally {
            again.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
        ctx.close();
    }
}
