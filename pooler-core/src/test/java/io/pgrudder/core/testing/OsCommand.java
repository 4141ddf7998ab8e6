package io.pgrudder.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's command-line tools. PostgreSQL refuses to run as root, so when this JVM is
 * root every command runs as the {@code postgres} OS user and the files it needs are handed over
 * to that user.
 */
final class OsCommand {

    static final String POSTGRES_OS_USER = "postgres";

    private static final boolean ROOT = detectRoot();

    private OsCommand() {
    }

    static boolean isRoot() {
        return ROOT;
    }

    /** Outcome of one finished command: its exit code and what it printed (stdout and stderr). */
    record Result(List<String> command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException("command failed (exit " + exitCode + "): "
                        + String.join(" ", command) + "\n" + output);
            }
            return this;
        }
    }

    /**
     * Runs {@code command} (as {@code postgres} when root) in {@code workDir}, waits at most
     * {@code timeout}, and captures its output through a file rather than a pipe, so a daemon
     * that inherits the descriptor can never block us.
     */
    static Result run(List<String> command, Path workDir, Duration timeout) {
        List<String> full = asPostgresIfRoot(command);
        Path out = null;
        try {
            out = Files.createTempFile("pgrudder-cmd-", ".out");
            Process process = new ProcessBuilder(full)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(full, -1, "timed out after " + timeout + "\n" + read(out));
            }
            return new Result(full, process.exitValue(), read(out));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", full), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", full), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a stray temp file is harmless
                }
            }
        }
    }

    /** Gives {@code path} to the postgres OS user when we are root; otherwise does nothing. */
    static void handOver(Path path) {
        if (!ROOT) {
            return;
        }
        try {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(POSTGRES_OS_USER);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(POSTGRES_OS_USER);
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(user);
            view.setGroup(group);
        } catch (IOException e) {
            throw new UncheckedIOException("running as root, but cannot give " + path + " to the '"
                    + POSTGRES_OS_USER + "' OS user (install the postgresql package, which creates it)", e);
        }
    }

    private static List<String> asPostgresIfRoot(List<String> command) {
        if (!ROOT) {
            return command;
        }
        List<String> full = new ArrayList<>();
        Optional<Path> runuser = Optional.of(Path.of("/usr/sbin/runuser")).filter(Files::isExecutable)
                .or(() -> Optional.of(Path.of("/sbin/runuser")).filter(Files::isExecutable));
        if (runuser.isPresent()) {
            full.addAll(List.of(runuser.get().toString(), "-u", POSTGRES_OS_USER, "--"));
            full.addAll(command);
        } else {
            StringBuilder line = new StringBuilder("exec");
            for (String arg : command) {
                line.append(' ').append(shellQuote(arg));
            }
            full.addAll(List.of("su", POSTGRES_OS_USER, "-s", "/bin/sh", "-c", line.toString()));
        }
        return full;
    }

    private static String shellQuote(String arg) {
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static boolean detectRoot() {
        if ("root".equals(System.getProperty("user.name"))) {
            return true;
        }
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            try {
                Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
                String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                id.waitFor(5, TimeUnit.SECONDS);
                return "0".equals(uid);
            } catch (IOException io) {
                return false;
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
