package io.pgrudder.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ResourceLeakDetector;
import io.pgrudder.protocol.PgException;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.SSLRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated and random client byte streams, built from recorded psql and pgjdbc sessions, through
 * the client side's real codecs ({@link StartupDecoder}, {@link FrameDecoder}, the frontend
 * message decoders and the SCRAM server) on an EmbeddedChannel, in random chunks. Every bad input
 * must end in a PgException and a close, never in another exception; every buffer is released;
 * an unmutated session decodes completely. Sized by {@link FuzzSize}; prints its seed.
 */
class FrontendFuzzTest {

    private record Outcome(List<Throwable> errors, int decoded, boolean closed) {
    }

    @Test
    void mutatedAndRandomStreamsEndInAProtocolErrorOrDecode() throws Throwable {
        // On a thread of its own: the paranoid detector records a stack trace per buffer access,
        // and a shallow stack makes that several times cheaper than under JUnit's frames.
        Throwable[] failure = new Throwable[1];
        Thread fuzz = new Thread(() -> {
            try {
                fuzz();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "frontend-fuzz");
        fuzz.start();
        fuzz.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static void fuzz() throws Exception {
        LeakWatch leaks = LeakWatch.start();
        long seed = FuzzSize.seed();
        long target = FuzzSize.codecFrames();
        System.out.printf("FrontendFuzzTest: seed %d (-Dpgrudder.fuzz.seed=%d), %d frames, leak detection %s%n",
                seed, seed, target, ResourceLeakDetector.getLevel());
        List<RecordedSessions.Session> sessions = RecordedSessions.all();
        List<WireFrame> donors = sessions.stream().flatMap(s -> s.frames().stream()).toList();
        Random master = new Random(seed);
        long frames = 0;
        long sessionsRun = 0;
        long rejected = 0;
        long started = System.nanoTime();
        Map<String, Integer> reasons = new HashMap<>();
        while (frames < target) {
            long sessionSeed = master.nextLong();
            Random random = new Random(sessionSeed);
            Mutator mutator = new Mutator(random);
            RecordedSessions.Session session = sessions.get(random.nextInt(sessions.size()));
            int kind = random.nextInt(10);
            List<WireFrame> input = switch (kind) {
                case 0 -> session.frames();
                case 1, 2, 3 -> mutator.mutateKeepingFraming(session.frames());
                case 4 -> randomFramesAfterStartup(session, mutator, random);
                default -> mutator.mutate(session.frames(), donors);
            };
            byte[] stream = WireFrame.concat(input);
            Outcome outcome;
            try {
                outcome = feed(session.login(), stream, waits(input, kind == 0 || random.nextInt(4) != 0), random);
            } catch (Throwable t) {
                throw new AssertionError(describe(seed, sessionSeed, session, stream) + ": " + t, t);
            }
            check(outcome, kind == 0 ? session : null, describe(seed, sessionSeed, session, stream));
            frames += input.size();
            sessionsRun++;
            if (!outcome.errors().isEmpty()) {
                rejected++;
                Throwable first = outcome.errors().get(0);
                Throwable root = first instanceof DecoderException && first.getCause() != null ? first.getCause() : first;
                reasons.merge(root.getMessage().replaceAll("[0-9]+", "N"), 1, Integer::sum);
            }
        }
        List<String> leaked = leaks.collect();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("FrontendFuzzTest: %d frames in %d sessions (%d rejected) in %.1f s, %d leaks%n",
                frames, sessionsRun, rejected, seconds, leaked.size());
        reasons.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %7d  %s%n", e.getValue(), e.getKey()));
        assertEquals(List.of(), leaked, "seed " + seed);
        assertTrue(rejected > sessionsRun / 4 && rejected < sessionsRun,
                "the mutations should reject many sessions but not all: " + rejected + " of " + sessionsRun);
    }

    /** A valid startup and login, then random well-formed frames. */
    private static List<WireFrame> randomFramesAfterStartup(RecordedSessions.Session session, Mutator mutator,
                                                           Random random) {
        List<WireFrame> out = new ArrayList<>();
        for (WireFrame f : session.frames()) {
            out.add(f);
            if (!f.startupPacket() && f.bytes()[0] != 'p') {
                break;
            }
        }
        for (int i = random.nextInt(20); i >= 0; i--) {
            out.add(random.nextInt(8) == 0 ? mutator.garbage() : mutator.randomTypedFrame());
        }
        return out;
    }

    private static final WireFrame SSL_REQUEST = WireFrame.of(SSLRequest.INSTANCE);
    private static final WireFrame GSSENC_REQUEST = WireFrame.of(GSSENCRequest.INSTANCE);

    /**
     * Where a real client stops to read our answer: after an SSLRequest or GSSENCRequest. Sending on
     * without waiting is refused (CVE-2021-23222), which is worth fuzzing too when not respected.
     */
    private static BitSet waits(List<WireFrame> frames, boolean respected) {
        BitSet waits = new BitSet();
        if (!respected) {
            return waits;
        }
        int at = 0;
        for (WireFrame f : frames) {
            at += f.bytes().length;
            if (f.equals(SSL_REQUEST) || f.equals(GSSENC_REQUEST)) {
                waits.set(at);
            }
        }
        return waits;
    }

    /**
     * Writes the stream in chunks (all at once, one byte at a time, or random sizes), each in its
     * own leak-tracked buffer, stopping when the pipeline closes the channel; then ends the
     * connection and checks every buffer was released and nothing is left in the channel.
     */
    private static Outcome feed(RecordedSessions.Login login, byte[] stream, BitSet waits, Random random) {
        List<Throwable> errors = new ArrayList<>();
        DecodingSink sink = new DecodingSink(login, errors);
        StartupStandIn startup = new StartupStandIn(sink, errors);
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder(), startup);
        List<ByteBuf> written = new ArrayList<>();
        int mode = random.nextInt(16);
        // A quarter of the inputs in buffers the paranoid detector tracks; the rest in plain heap
        // buffers (cheaper: every tracked access records a stack trace), checked by refCnt alone.
        boolean tracked = random.nextInt(4) == 0;
        int at = 0;
        while (at < stream.length && channel.isOpen()) {
            int n = switch (mode) {
                case 0 -> stream.length;
                case 1, 2 -> 1;
                default -> 1 + random.nextInt(random.nextBoolean() ? 8 : 200);
            };
            n = Math.min(n, stream.length - at);
            int wait = waits.nextSetBit(at + 1);
            if (wait > 0 && wait < at + n) {
                n = wait - at;
            }
            ByteBuf chunk = tracked ? UnpooledByteBufAllocator.DEFAULT.directBuffer(n) : Unpooled.buffer(n);
            chunk.writeBytes(stream, at, n);
            written.add(chunk);
            channel.writeInbound(chunk);
            at += n;
        }
        boolean closed = !channel.isOpen();
        if (channel.finish()) {
            throw new AssertionError("messages left in the channel: inbound " + channel.inboundMessages()
                    + ", outbound " + channel.outboundMessages());
        }
        for (ByteBuf b : written) {
            if (b.refCnt() != 0) {
                throw new AssertionError("an input buffer was not released (refCnt " + b.refCnt() + ")");
            }
        }
        return new Outcome(errors, startup.packets + sink.frames, closed);
    }

    private static void check(Outcome outcome, RecordedSessions.Session unmutated, String where) {
        for (Throwable t : outcome.errors()) {
            Throwable root = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
            if (!(root instanceof PgException pg) || pg.sqlState().length() != 5) {
                throw new AssertionError(where + ": not a PgException: " + root, root);
            }
        }
        if (!outcome.errors().isEmpty() && !outcome.closed()) {
            fail(where + ": an error did not close the connection: " + outcome.errors());
        }
        if (unmutated != null) {
            assertEquals(List.of(), outcome.errors(), where);
            assertEquals(unmutated.frames().size(), outcome.decoded(), where + ": every frame decodes");
        }
    }

    private static String describe(long seed, long sessionSeed, RecordedSessions.Session session, byte[] stream) {
        String hex = ByteBufUtil.hexDump(stream, 0, Math.min(stream.length, 2048));
        return "seed " + seed + ", session seed " + sessionSeed + " (" + session.name() + "), stream " + hex
                + (stream.length > 2048 ? "..." : "");
    }
}
