package io.pgrudder.patroni;

import java.util.List;
import java.util.Optional;

/**
 * While the etcd watch is live, the poller decides from what the watch already has instead of
 * polling every member: the keys' values ({@link DcsClusterView}, read as Patroni's
 * {@code /cluster} reads them) and the leader's own {@code /patroni} ({@link LeaderFence}), asked
 * whenever the DCS names a leader anew. Confined to the poller's event loop.
 */
final class DcsFollower {

    private final String scope;
    private final List<MemberAddress> members;
    private final LeaderFence fence;

    private DcsState state;
    private boolean live;
    /** The leader the fence was last pointed at, with its member key's role and state; null: none yet. */
    private String followed;

    DcsFollower(String scope, List<MemberAddress> members, LeaderFence fence) {
        this.scope = scope;
        this.members = List.copyOf(members);
        this.fence = fence;
    }

    /** The watch applied a change: {@code now} is every followed key's value. */
    void keys(DcsState now) {
        state = now;
        if (live) {
            follow();
        }
    }

    /** The watch is live (its keys are current): decide from them from now on. */
    void live() {
        live = true;
        followed = null;
        follow();
    }

    /** The watch is down (or connecting again): the REST rounds decide; nothing is asked here. */
    void down() {
        live = false;
        followed = null;
        fence.stop();
    }

    boolean isLive() {
        return live;
    }

    /** Someone asked to poll now (a fencing failure): the leader's own /patroni is asked again. */
    void recheck() {
        fence.recheck();
    }

    long leaderChecks() {
        return fence.requests();
    }

    /** What to decide from now, while live: one poll per configured member (see {@link DcsClusterView#polls}). */
    Optional<List<MemberPoll>> polls() {
        if (!live || state == null) {
            return Optional.empty();
        }
        return Optional.of(DcsClusterView.polls(DcsClusterView.of(state, scope), members, fence.answer()));
    }

    /** Points the fence at the leader the keys name, when that or its member key's role or state changed. */
    private void follow() {
        if (state == null) {
            return;
        }
        DcsClusterView.View view = DcsClusterView.of(state, scope);
        Optional<LeaderFence.Target> target = DcsClusterView.leaderTarget(view, members);
        String now = target.map(LeaderFence.Target::toString).orElse("-") + " " + view.holderRoleState().orElse("-");
        if (!now.equals(followed)) {
            followed = now;
            fence.follow(target);
        }
    }
}
