package io.pgrudder.server.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The running build's version and git revision, from pgrudder-version.properties. */
final class Build {
    private static final Properties PROPERTIES = load();

    private Build() {
    }

    static String version() {
        return value("version");
    }

    /** Set with {@code -Dpgrudder.revision=$(git rev-parse HEAD)} at build time; "unknown" otherwise. */
    static String revision() {
        return value("revision");
    }

    private static String value(String key) {
        String v = PROPERTIES.getProperty(key, "");
        return v.isBlank() || v.startsWith("${") ? "unknown" : v;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Build.class.getResourceAsStream("/pgrudder-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // no version file: "unknown"
        }
        return p;
    }
}
