package io.pgrudder.core.topology;

/**
 * A member's role in the cluster, in Patroni's own words (the {@code role} of
 * {@code GET /cluster}). Only {@link #LEADER} ever takes writes; a {@link #STANDBY_LEADER}
 * leads a standby cluster and is read-only.
 */
public enum MemberRole {
    LEADER,
    STANDBY_LEADER,
    SYNC_STANDBY,
    QUORUM_STANDBY,
    REPLICA,
    /** Not listed in any cluster view, or a role this version does not know. */
    UNKNOWN;

    /** True for the roles that stream from the leader and may serve reads. */
    public boolean isReplica() {
        return this == REPLICA || this == SYNC_STANDBY || this == QUORUM_STANDBY;
    }
}
