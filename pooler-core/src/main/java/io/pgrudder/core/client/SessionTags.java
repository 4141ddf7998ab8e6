package io.pgrudder.core.client;

import java.util.Set;

/**
 * The command tags after which a transaction-mode session is probed ({@link SessionProbe}) before
 * its server is let go: statements that may create or remove session state (settings, the role,
 * temporary objects, holdable cursors, SQL-level prepared statements, LISTEN, anything a DO block
 * or procedure does). {@code CREATE TABLE … AS} and {@code SELECT … INTO} answer {@code SELECT n}:
 * those are found in the text ({@link SessionScan}).
 */
final class SessionTags {
    static final Set<String> PROBED = Set.of("SET", "RESET", "PREPARE", "DEALLOCATE", "DEALLOCATE ALL",
            "LISTEN", "UNLISTEN", "DECLARE CURSOR", "CLOSE CURSOR", "CLOSE CURSOR ALL", "CREATE TABLE", "CREATE VIEW",
            "CREATE SEQUENCE", "CREATE FUNCTION", "CREATE TYPE", "DROP TABLE", "DROP VIEW", "DROP SEQUENCE",
            "DROP FUNCTION", "DROP TYPE", "DISCARD TEMP", "DISCARD PLANS", "DISCARD SEQUENCES", "DO", "CALL");

    private SessionTags() {
    }
}
