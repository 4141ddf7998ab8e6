package io.pgrudder.core.stats;

/**
 * The start times of the requests a client's server still owes a ReadyForQuery, oldest first: a
 * queue of primitive longs, so timing a request allocates nothing (a {@code Deque<Long>} boxed
 * each one), and a client that has never sent a request holds no array. Grows to the longest
 * pipeline the client has sent; confined to the client's loop.
 */
final class StartTimes {
    private long[] times;
    private int head;
    private int size;

    void add(long nanos) {
        if (times == null) {
            times = new long[4];
        } else if (size == times.length) {
            long[] bigger = new long[times.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = times[(head + i) % times.length];
            }
            times = bigger;
            head = 0;
        }
        times[(head + size) % times.length] = nanos;
        size++;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The oldest start time, removed; call only when not {@link #isEmpty()}. */
    long poll() {
        long t = times[head];
        head = (head + 1) % times.length;
        size--;
        return t;
    }

    int size() {
        return size;
    }
}
