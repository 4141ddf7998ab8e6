package io.pgrudder.core.routing;

/**
 * One client's routing: the pool's {@link RoutingRules} plus what the client chose with pgcat's
 * {@code SET SERVER ROLE} and {@code SET PRIMARY READS}. In transaction mode each transaction goes
 * where its first statement says; in session mode the session goes where the pool's default says.
 *
 * <p>Unlike pgcat, a replica only ever gets text the {@link SqlClassifier} proves read-only: with
 * {@code default_role = "replica"} or {@code SET SERVER ROLE TO 'replica'} a write still goes to
 * the primary instead of failing there. {@code default_role = "any"} (pgcat's default) sends
 * everything to the primary unless the query parser splits reads: spreading unparsed traffic
 * would break reading one's own writes. Confined to the client's event loop.
 */
public final class QueryRouter {
    private final RoutingRules rules;
    private ServerRoleSetting role = ServerRoleSetting.DEFAULT;
    /** null: the pool's primary_reads_enabled. */
    private Boolean primaryReads;

    public QueryRouter(RoutingRules rules) {
        this.rules = rules;
    }

    /** Where a transaction whose first statement is {@code sql} goes (null: not known, e.g. a FunctionCall). */
    public Destination route(String sql) {
        Destination reads = readsGo();
        if (reads == Destination.PRIMARY) {
            return Destination.PRIMARY;
        }
        return SqlClassifier.isReadOnly(sql, rules.queryParserMaxLength()) ? reads : Destination.PRIMARY;
    }

    /** Where a session (session mode) or a login goes: reads' destination by default, never decided by text. */
    public Destination sessionDestination() {
        return rules.defaultRole() == io.pgrudder.core.config.DefaultRole.REPLICA ? Destination.REPLICA : Destination.PRIMARY;
    }

    /** True when some text could go elsewhere than the primary: only then is it worth reading. */
    public boolean readsText() {
        return readsGo() != Destination.PRIMARY;
    }

    private Destination readsGo() {
        return switch (role) {
            case PRIMARY -> Destination.PRIMARY;
            case REPLICA -> Destination.REPLICA;
            case ANY -> Destination.ANY;
            case AUTO -> splitReads();
            case DEFAULT -> {
                if (rules.splitsReads()) {
                    yield splitReads();
                }
                yield switch (rules.defaultRole()) {
                    case REPLICA -> Destination.REPLICA;
                    case PRIMARY, ANY -> Destination.PRIMARY;
                };
            }
        };
    }

    private Destination splitReads() {
        return primaryReads() ? Destination.ANY : Destination.REPLICA;
    }

    public void role(ServerRoleSetting role) {
        this.role = role;
    }

    /** What SHOW SERVER ROLE says: the client's choice, or the pool's ("auto" when it splits reads). */
    public String showRole() {
        if (role != ServerRoleSetting.DEFAULT) {
            return role.sqlName();
        }
        return rules.splitsReads() ? "auto" : rules.defaultRole().configName();
    }

    /** null goes back to the pool's primary_reads_enabled. */
    public void primaryReads(Boolean enabled) {
        this.primaryReads = enabled;
    }

    public boolean primaryReads() {
        return primaryReads != null ? primaryReads : rules.primaryReadsEnabled();
    }

    public RoutingRules rules() {
        return rules;
    }
}
