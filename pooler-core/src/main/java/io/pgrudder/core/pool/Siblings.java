package io.pgrudder.core.pool;

/**
 * The other shares of a pool, as one share sees them: where a waiter it cannot serve goes, and
 * whose waiter it takes when it has a connection to spare. Read from the share's loop; what it
 * reads of the others is what they last published, so an answer may be stale by the time it is
 * acted on, and the share that receives a waiter serves it or queues it.
 */
interface Siblings {
    /** No other share (a pool of one share). */
    Siblings NONE = new Siblings() {
        @Override
        public PoolShare withSpare(PoolShare asking) {
            return null;
        }

        @Override
        public PoolShare withWaiters(PoolShare asking) {
            return null;
        }

        @Override
        public PoolShare shorterQueue(PoolShare asking, int waiting) {
            return null;
        }

        @Override
        public PoolShare stuck(PoolShare asking) {
            return null;
        }
    };

    /** The share with the most idle connections or room to open one, other than {@code asking}; null when none. */
    PoolShare withSpare(PoolShare asking);

    /** The share with the most clients waiting, other than {@code asking}; null when nobody waits. */
    PoolShare withWaiters(PoolShare asking);

    /**
     * The share with the most clients waiting among those with nothing to spare (no idle
     * connection, no room it can open one in), other than {@code asking}; null when none.
     */
    PoolShare stuck(PoolShare asking);

    /**
     * The share with the shortest queue, other than {@code asking}, when it is shorter than
     * {@code waiting} (asking's own) by more than {@link #margin}; null otherwise.
     */
    PoolShare shorterQueue(PoolShare asking, int waiting);

    /**
     * How much shorter a sibling's queue must be for a new waiter to go there. A moved waiter is
     * served by a connection on another loop, so every message of its transaction crosses loops:
     * worth it to even out queues of a few, not to chase the jitter of long ones (one of 250
     * waiters more or less changes the wait by 0.4 %, the hop costs the transaction a wakeup per
     * message). A quarter of the queue bounds the difference in waits at about that much.
     */
    static int margin(int waiting) {
        return 1 + waiting / 4;
    }
}
