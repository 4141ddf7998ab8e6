package io.pgrudder.patroni.testing;

import java.util.Map;

/**
 * The four loopback addresses a test Patroni cluster binds: etcd on the base address, node1..node3
 * on the next three. Taken from {@value #VARIABLE} so that two checkouts on one machine can run
 * the Patroni tests at the same time, each in its own block; the ports (PostgreSQL 5432, REST API
 * 8008, etcd 2379/2380) are the same in every block and bound only on the block's own addresses,
 * so two runs in different blocks cannot collide. Two runs in the same block are refused by
 * {@link PatroniCluster}'s free-address check, which names the variable.
 *
 * <p>Accepted values: a three-octet prefix ({@code 127.0.1} means etcd on 127.0.1.10, nodes on
 * .11–.13) or a base address ({@code 127.0.1.20} means etcd on .20, nodes on .21–.23). Unset or
 * empty: 127.0.0.10–13. Only 127.0.0.0/8 is accepted, which Linux routes to lo as a whole.
 */
public record LoopbackBlock(int second, int third, int base) {

    public static final String VARIABLE = "PGRUDDER_LOOPBACK_BLOCK";
    public static final LoopbackBlock DEFAULT = new LoopbackBlock(0, 0, 10);
    private static final int PREFIX_BASE = 10;
    private static final int NODES = 3;

    public LoopbackBlock {
        if (second < 0 || second > 255 || third < 0 || third > 255 || base < 1 || base + NODES > 253) {
            throw new IllegalArgumentException("not a loopback block: 127." + second + "." + third + "." + base);
        }
    }

    /** From the process environment. */
    public static LoopbackBlock fromEnvironment() {
        return from(System.getenv());
    }

    /** From {@code env}; a bad value is an {@link IllegalStateException} naming the variable. */
    public static LoopbackBlock from(Map<String, String> env) {
        String value = env.get(VARIABLE);
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        return parse(value.trim());
    }

    static LoopbackBlock parse(String value) {
        String[] octets = value.split("\\.", -1);
        if ((octets.length == 3 || octets.length == 4) && octets[0].equals("127")) {
            try {
                int second = octet(octets[1]);
                int third = octet(octets[2]);
                int base = octets.length == 4 ? octet(octets[3]) : PREFIX_BASE;
                if (base >= 1 && base + NODES <= 253) {
                    return new LoopbackBlock(second, third, base);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalStateException(VARIABLE + "=" + value + " is not a loopback block: give a prefix such as"
                + " 127.0.1 (etcd on 127.0.1.10, nodes on .11-.13) or a base address such as 127.0.1.20 (etcd on"
                + " .20, nodes on .21-.23), inside 127.0.0.0/8 with the base at most 250; unset means 127.0.0.10-13");
    }

    private static int octet(String s) {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit)) {
            throw new NumberFormatException(s);
        }
        int v = Integer.parseInt(s);
        if (v > 255) {
            throw new NumberFormatException(s);
        }
        return v;
    }

    /** etcd's address. */
    public String etcd() {
        return address(0);
    }

    /** Node {@code index} (0-based) of three. */
    public String node(int index) {
        if (index < 0 || index >= NODES) {
            throw new IllegalArgumentException("node index " + index + " of " + NODES);
        }
        return address(1 + index);
    }

    private String address(int offset) {
        return "127." + second + "." + third + "." + (base + offset);
    }

    @Override
    public String toString() {
        return address(0) + "-" + (base + NODES);
    }
}
