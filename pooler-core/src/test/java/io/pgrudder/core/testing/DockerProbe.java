package io.pgrudder.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Whether a Docker engine answers, asked once per JVM. It looks for a hint first (DOCKER_HOST,
 * a Docker socket, a Testcontainers config) so machines without Docker pay nothing, and it
 * treats every failure, including Testcontainers missing from the class path, as "no".
 */
final class DockerProbe {

    private static final Logger log = LoggerFactory.getLogger(DockerProbe.class);

    private static volatile Boolean answer;

    private DockerProbe() {
    }

    static boolean dockerAnswers() {
        Boolean known = answer;
        if (known == null) {
            known = ask();
            answer = known;
        }
        return known;
    }

    private static boolean ask() {
        if (!hinted()) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            log.debug("Docker not usable, using local PostgreSQL binaries: {}", t.toString());
            return false;
        }
    }

    private static boolean hinted() {
        String home = System.getProperty("user.home", "");
        String dockerHost = System.getenv("DOCKER_HOST");
        return (dockerHost != null && !dockerHost.isBlank())
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(home, ".docker", "run", "docker.sock"))
                || Files.exists(Path.of(home, ".testcontainers.properties"));
    }
}
