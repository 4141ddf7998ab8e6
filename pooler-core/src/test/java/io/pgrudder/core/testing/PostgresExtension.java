package io.pgrudder.core.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link PostgresServer} parameters (test methods, constructors, {@code @BeforeAll}) to
 * ONE server shared by every test class in this JVM. The server lives in the root extension
 * store, which closes it when the test run ends; {@link PostgresServer}'s shutdown hook stops it
 * by PID should the run end some other way.
 *
 * <pre>{@code
 * @ExtendWith(PostgresExtension.class)
 * class SomethingIT {
 *     @Test
 *     void works(PostgresServer pg) throws Exception {
 *         try (var c = pg.connect("testdb", PostgresServer.SCRAM_USER, PostgresServer.SCRAM_PASSWORD)) { ... }
 *     }
 * }
 * }</pre>
 *
 * Tests that need their own settings call {@link PostgresServer#start(PostgresServer.Options)} and
 * close the server themselves.
 */
public final class PostgresExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedServer.class, key -> new SharedServer(PostgresServer.start()),
                        SharedServer.class)
                .server();
    }

    /**
     * The store closes {@link AutoCloseable} values at the end of the run. (JUnit 5.13 deprecated
     * {@code Store.CloseableResource} in favour of exactly this.)
     */
    private record SharedServer(PostgresServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
        }
    }
}
