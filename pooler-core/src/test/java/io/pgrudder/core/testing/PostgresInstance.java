package io.pgrudder.core.testing;

import java.nio.file.Path;
import java.util.Optional;

/** One running PostgreSQL, local or in a container, as {@link PostgresServer} sees it. */
interface PostgresInstance {

    String host();

    int port();

    Path logFile();

    /** The data directory when PostgreSQL runs on this machine; empty for a container. */
    Optional<Path> dataDir();

    /** Stops PostgreSQL and removes everything it wrote. Safe to call more than once. */
    void stop();
}
