package io.pgrudder.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The source checkout these tests look at (set by the pom as {@code pgrudder.root}). */
final class Checkout {
    private Checkout() {
    }

    static Path root() {
        Path root = Path.of(System.getProperty("pgrudder.root", "..")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("scripts/build-runtime"))) {
            throw new IllegalStateException("not a pgrudder checkout: " + root + " (set -Dpgrudder.root)");
        }
        return root;
    }

    static Path chart() {
        return root().resolve("charts/pgrudder");
    }
}
