package io.pgrudder.protocol.codec;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns Netty's leak reports about ByteBufs into test failures: listens on the detector every
 * ByteBuf shares (the paranoid level comes from the build's argLine) and, when asked, makes the
 * garbage collector find what was dropped without a release. The CI log grep for "LEAK:" stays as
 * the backstop.
 */
public final class LeakWatch {
    private final List<String> leaks = new CopyOnWriteArrayList<>();

    private LeakWatch() {
    }

    /** Starts listening; there is one listener per JVM, so the latest watch wins. */
    public static LeakWatch start() {
        LeakWatch watch = new LeakWatch();
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) field.get(null);
            detector.setLeakListener((type, records) -> watch.leaks.add(type + "\n" + records));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new AssertionError("cannot listen to Netty's leak detector", e);
        }
        return watch;
    }

    public static boolean isParanoid() {
        return ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
    }

    /**
     * Collects garbage until a canary dropped now has been enqueued (bounded), then allocates so
     * the detector polls its queue, and returns the leaks reported so far.
     */
    public List<String> collect() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> canary = new WeakReference<>(new Object(), queue);
            System.gc();
            queue.remove(5_000);
            Reference.reachabilityFence(canary);
            for (int i = 0; i < 64; i++) {
                ByteBuf probe = UnpooledByteBufAllocator.DEFAULT.directBuffer(1);
                probe.release();
            }
        }
        return List.copyOf(leaks);
    }
}
