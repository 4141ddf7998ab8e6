package io.pgrudder.patroni;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A switchover or failover Patroni has been asked for: the value of its {@code failover} key,
 * {@code {"leader": old, "member": candidate, "scheduled_at": iso}} as {@code POST /switchover}
 * and {@code POST /failover} write it (patroni/dcs {@code manual_failover}; each field optional).
 *
 * @param leader      the leader to switch away from; empty for a failover to a candidate
 * @param candidate   the member to take over; empty = the healthiest replica
 * @param scheduledAt when it is due; empty = now
 */
public record PendingSwitchover(Optional<String> leader, Optional<String> candidate, Optional<Instant> scheduledAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public PendingSwitchover {
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(scheduledAt, "scheduledAt");
        if (leader.isEmpty() && candidate.isEmpty()) {
            throw new IllegalArgumentException("a switchover names a leader or a candidate");
        }
    }

    /**
     * The request in a {@code failover} key's value; empty when there is none: no value, an empty
     * object ({@code {}}, what Patroni writes to clear it), or neither leader nor member. Patroni's
     * legacy form {@code leader:candidate} is read as Patroni reads it.
     *
     * @throws PatroniJsonException when {@code scheduled_at} is there but not a time with an offset
     *                              (then nobody can say whether it is due)
     */
    public static Optional<PendingSwitchover> parse(String value) throws PatroniJsonException {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            return legacy(value);
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        Optional<String> leader = text(node, "leader");
        Optional<String> candidate = text(node, "member");
        if (leader.isEmpty() && candidate.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> at = Optional.empty();
        Optional<String> scheduled = text(node, "scheduled_at");
        if (scheduled.isPresent()) {
            try {
                at = Optional.of(OffsetDateTime.parse(scheduled.get()).toInstant());
            } catch (DateTimeParseException e) {
                throw new PatroniJsonException("failover key: scheduled_at " + scheduled.get()
                        + " is not an ISO 8601 time with an offset");
            }
        }
        return Optional.of(new PendingSwitchover(leader, candidate, at));
    }

    private static Optional<PendingSwitchover> legacy(String value) {
        String[] parts = value.split(":", -1);
        Optional<String> leader = Optional.of(parts[0].trim()).filter(s -> !s.isEmpty());
        Optional<String> candidate = parts.length > 1 ? Optional.of(parts[1].trim()).filter(s -> !s.isEmpty())
                : Optional.empty();
        if (leader.isEmpty() && candidate.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PendingSwitchover(leader, candidate, Optional.empty()));
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? Optional.of(v.textValue()) : Optional.empty();
    }

    /**
     * Whether Patroni's HA loop on {@code currentLeader} demotes it for this request once it is
     * due (patroni/ha.py {@code process_manual_failover_from_leader}): the request names it as the
     * leader, or names no leader and another member as the candidate.
     */
    public boolean movesAwayFrom(String currentLeader) {
        boolean fromIt = leader.map(currentLeader::equals).orElse(true);
        boolean toAnother = candidate.map(c -> !c.equals(currentLeader)).orElse(true);
        return fromIt && toAnother;
    }

    /** Due at {@code now}: not scheduled, or scheduled no later than now. */
    public boolean dueAt(Instant now) {
        return scheduledAt.map(at -> !now.isBefore(at)).orElse(true);
    }

    @Override
    public String toString() {
        return "switchover " + leader.orElse("(leader)") + " -> " + candidate.orElse("(any replica)")
                + scheduledAt.map(at -> " at " + at).orElse("");
    }
}
