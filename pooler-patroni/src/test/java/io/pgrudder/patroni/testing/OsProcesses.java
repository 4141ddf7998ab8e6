package io.pgrudder.patroni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starting, signalling and stopping the processes of the Patroni fixture, always by PID.
 * PostgreSQL and Patroni refuse to run as root, so when this JVM is root commands run as the
 * {@code postgres} OS user through {@code setpriv}, which execs (unlike {@code runuser}, which
 * forks): the PID we hold is the daemon's own.
 */
final class OsProcesses {

    static final String OS_USER = "postgres";
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private OsProcesses() {
    }

    static List<String> asPostgres(List<String> command) {
        if (!ROOT) {
            return command;
        }
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER,
                "--init-groups", "--"));
        full.addAll(command);
        return full;
    }

    /** Starts a daemon as postgres with its output appended to {@code log}. */
    static Process startDaemon(List<String> command, Path workDir, Path log, Map<String, String> env) {
        try {
            ProcessBuilder builder = new ProcessBuilder(asPostgres(command))
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(env);
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs a command as postgres to its end; returns exit code and output. */
    static Result run(List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("pgrudder-patroni-cmd-", ".out");
            Process p = new ProcessBuilder(asPostgres(command))
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + timeout + "\n" + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // harmless
                }
            }
        }
    }

    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** Sends a signal by PID with kill(1): STOP, CONT, KILL, TERM. */
    static void signal(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid);
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL; returns once the PID is gone (or 10 s later). */
    static void stop(long pid, Duration grace) {
        if (!alive(pid)) {
            return;
        }
        signal(pid, "CONT");
        signal(pid, "TERM");
        if (!waitGone(pid, grace)) {
            signal(pid, "KILL");
            waitGone(pid, Duration.ofSeconds(10));
        }
    }

    static boolean waitGone(long pid, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (alive(pid)) {
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            sleep(50);
        }
        return true;
    }

    static Optional<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            int afterName = stat.lastIndexOf(')');
            return afterName > 0 && stat.length() > afterName + 2 && stat.charAt(afterName + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
