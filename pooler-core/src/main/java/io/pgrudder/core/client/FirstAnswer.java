package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import io.pgrudder.core.backend.ServerConnection;

import java.util.Collection;
import java.util.List;

/**
 * Watches a just-attached server's first answer to decide whether the client's request may run
 * on another server (the rule is {@link ReplayBuffer}'s): it keeps the request's copies and,
 * while the node is asked whether it is going away, the FATAL that raised the question. The
 * session does the sending; this only decides. Confined to the client's loop.
 */
final class FirstAnswer {
    /** What the decision needs of the session. */
    interface Session {
        /** The server the client holds now and is active with, or null. */
        ServerConnection attached();

        /** Does a fresh login to {@code from}'s node succeed (see NodeProbe)? */
        Future<Boolean> nodeAcceptsConnections(ServerConnection from);

        /** {@code from} ran none of {@code request}: give it up and send the request elsewhere. */
        void runElsewhere(ServerConnection from, List<ByteBuf> request);

        /** {@code frame} is {@code from}'s answer after all: handle it as any answer. */
        void answer(ServerConnection from, ByteBuf frame);

        /** {@code from} closed, and its loss is the client's to hear about. */
        void lost(ServerConnection from);
    }

    private final Session session;
    private final ReplayBuffer copies = new ReplayBuffer();
    /** The FATAL held while the node is asked; null when no question is out. */
    private ByteBuf question;
    /** The server closed while the question was out (it does, right after the FATAL). */
    private boolean closedWhileAsking;

    FirstAnswer(Session session) {
        this.session = session;
    }

    /** The first frames of a request sent on a just-attached server. */
    void keep(Collection<ByteBuf> frames) {
        copies.keep(frames);
    }

    /** A frame the client sent after them, before the first answer. */
    void add(ByteBuf frame) {
        copies.add(frame);
    }

    /** Takes {@code frame} (and returns true) when it is not an answer to relay now. */
    boolean serverFrame(ServerConnection from, ByteBuf frame) {
        if (question != null) {
            frame.release(); // after the FATAL only the close follows
            return true;
        }
        if (copies.isArmed()) {
            if (copies.isGoingAway(frame)) {
                ask(from, frame);
                return true;
            }
            copies.seen(frame); // once it answers, what happens is the client's to see
        }
        return false;
    }

    /** True when {@code from}'s close waits for the question's answer; otherwise the loss is the session's. */
    boolean serverClosed() {
        if (question != null) {
            closedWhileAsking = true;
            return true;
        }
        // A close with no FATAL first proves nothing about what ran: nothing is sent again.
        copies.drop();
        return false;
    }

    /** The client left: everything kept is released. */
    void drop() {
        copies.drop();
        if (question != null) {
            question.release();
            question = null;
        }
    }

    /**
     * The FATAL reads the same for a shutting-down server and for an operator's
     * pg_terminate_backend; only the first may be answered by running the request elsewhere.
     */
    private void ask(ServerConnection from, ByteBuf fatal) {
        question = fatal;
        session.nodeAcceptsConnections(from).addListener((Future<Boolean> f) -> {
            ByteBuf frame = question;
            boolean closed = closedWhileAsking;
            question = null;
            closedWhileAsking = false;
            if (frame == null || from != session.attached()) {
                if (frame != null) {
                    frame.release();
                }
                return;
            }
            // Still armed unless the client sent, meanwhile, something that may not run twice.
            if (!Boolean.TRUE.equals(f.getNow()) && copies.isArmed()) {
                frame.release();
                session.runElsewhere(from, copies.take());
                return;
            }
            copies.drop();
            session.answer(from, frame);
            if (closed) {
                session.lost(from);
            }
        });
    }
}
