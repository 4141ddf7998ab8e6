package io.pgrudder.server;

import io.pgrudder.core.testing.PostgresExtension;
import io.pgrudder.core.testing.PostgresServer;
import io.pgrudder.protocol.backend.AuthenticationMD5Password;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.frontend.StartupMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** max_client_conn and client_login_timeout, on a real listener. */
@ExtendWith(PostgresExtension.class)
class LoginLimitsIT {
    private PoolerHarness harness;

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void oneClientOverMaxClientConnGetsPostgresqlsTooManyClients(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "", 1, "max_client_conn = 2");
        try (WireClient first = new WireClient(harness.port); WireClient second = new WireClient(harness.port)) {
            // Both are counted from accept on, logged in or not.
            first.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb"))::encode);
            assertInstanceOf(AuthenticationMD5Password.class, first.read());
            second.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb"))::encode);
            assertInstanceOf(AuthenticationMD5Password.class, second.read());
            try (WireClient third = new WireClient(harness.port)) {
                ErrorResponse error = assertInstanceOf(ErrorResponse.class, third.read());
                assertEquals("FATAL", error.severity());
                assertEquals("53300", error.sqlState());
                assertEquals("sorry, too many clients already", error.message());
                assertTrue(third.closedByServer());
            }
            first.close();
            // The closed one frees its place (the count drops on the close event, so retry until it has).
            assertTrue(eventuallyLogsIn());
        }
    }

    private boolean eventuallyLogsIn() throws Exception {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try (Connection c = harness.connect("md5user", "md5pass")) {
                return "1".equals(SessionPoolingIT.scalar(c, "SELECT 1"));
            } catch (java.sql.SQLException e) {
                if (!"53300".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
        return false;
    }

    @Test
    void aClientThatDoesNotLogInInTimeIsClosedSilently(PostgresServer postgres) throws Exception {
        harness = PoolerHarness.start(postgres, "", 1, "client_login_timeout = 300");
        try (WireClient idle = new WireClient(harness.port)) {
            // Sends nothing at all; the pooler closes it without a message, as PostgreSQL does.
            assertTrue(idle.closedByServer());
        }
        try (WireClient halfway = new WireClient(harness.port)) {
            halfway.send(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "md5user", "database", "testdb"))::encode);
            assertInstanceOf(AuthenticationMD5Password.class, halfway.read());
            assertTrue(halfway.closedByServer()); // never answers the password challenge
        }
        try (Connection c = harness.connect("md5user", "md5pass")) {
            // Logged in: the timer was cancelled (LoginTimeoutTest checks that with frozen time).
            assertEquals("1", SessionPoolingIT.scalar(c, "SELECT 1"));
        }
    }
}
