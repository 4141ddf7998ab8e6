package io.pgrudder.server.admin;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.server.PgrudderServer;
import io.pgrudder.server.ops.OpsHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** admin_auth_type = scram-sha-256 and trust. */
@ExtendWith(PostgresExtension.class)
class AdminScramIT {
    @Test
    void scramAndTrustAdminLogins(PostgresServer postgres) throws Exception {
        for (String type : new String[]{"scram-sha-256", "trust"}) {
            OpsHarness harness = new OpsHarness(postgres, "admin_auth_type = \"" + type + "\"", 2);
            try (PgrudderServer server = harness.startInProcess(); Connection admin = harness.admin("pgcat")) {
                assertEquals(2, AdminConsoleIT.rows(admin, "SHOW POOLS").size(), type);
            } finally {
                harness.delete();
            }
        }
    }
}
