package io.pgrudder.patroni.dcsscale;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the kernel knows, read from {@code /proc} and {@code ss}: a process's CPU time, the TCP
 * counters of {@code /proc/net/netstat}, the connections to a port that are in TIME_WAIT, and a
 * listening socket's backlog. Read-only: nothing here signals or changes anything.
 */
final class HostCounters {

    /** USER_HZ: what /proc/PID/stat counts CPU time in ({@code getconf CLK_TCK}; 100 on Linux/x86). */
    private static final double TICKS_PER_SECOND = clockTicks();

    private HostCounters() {
    }

    /** The PID of the one live process whose command line contains {@code fragment}. */
    static long pidWith(String fragment) throws IOException {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmdline.contains(fragment) && !cmdline.contains("DcsScaleSimulation")) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected one process with " + fragment + " in its command line, found "
                    + found);
        }
        return found.get(0);
    }

    /** User + system CPU seconds of a process, all its threads. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // comm (field 2) may contain spaces: the fields after its closing parenthesis start at state (3).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    /** The TcpExt counters of /proc/net/netstat (ListenOverflows, ListenDrops, TCPTimeWaitOverflow, ...). */
    static Map<String, Long> tcpExt() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                String[] names = lines.get(i).split("\\s+");
                String[] values = lines.get(i + 1).split("\\s+");
                Map<String, Long> counters = new HashMap<>();
                for (int k = 1; k < names.length; k++) {
                    counters.put(names[k], Long.parseLong(values[k]));
                }
                return counters;
            }
        }
        throw new IllegalStateException("no TcpExt in /proc/net/netstat");
    }

    /**
     * Connections in TIME_WAIT that have {@code host:port} at one end, as "local peer" pairs. The
     * side that closed first keeps one for 60 s (Patroni closes each HTTP/1.0 answer, so its side
     * does): two readings less than 60 s apart, subtracted, count the connections closed between them,
     * unless the kernel's table was full ({@code TCPTimeWaitOverflow} grew).
     */
    static Set<String> timeWait(String host, int port) throws IOException, InterruptedException {
        String end = host + ":" + port;
        Set<String> found = new HashSet<>();
        for (String line : ss("-Htan", "state", "time-wait")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length < 4) {
                continue;
            }
            String local = cols[cols.length - 2];
            String peer = cols[cols.length - 1];
            if (local.equals(end) || peer.equals(end)) {
                found.add(local + " " + peer);
            }
        }
        return found;
    }

    /** The backlog of the socket listening on {@code host:port} (ss prints it as Send-Q), if one listens. */
    static Optional<Integer> listenBacklog(String host, int port) throws IOException, InterruptedException {
        for (String line : ss("-Hltn")) {
            String[] cols = line.trim().split("\\s+");
            // State Recv-Q Send-Q Local Peer
            if (cols.length >= 5 && cols[3].equals(host + ":" + port)) {
                return Optional.of(Integer.parseInt(cols[2]));
            }
        }
        return Optional.empty();
    }

    private static List<String> ss(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("ss");
        command.addAll(List.of(args));
        Process ss = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines;
        try (var in = ss.inputReader(StandardCharsets.UTF_8)) {
            lines = in.lines().toList();
        }
        if (ss.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + lines);
        }
        return lines;
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (IOException | InterruptedException | NumberFormatException e) {
            throw new IllegalStateException("cannot read CLK_TCK with getconf", e);
        }
    }

    /** Set difference: what {@code after} has that {@code before} had not. */
    static int added(Set<String> before, Set<String> after) {
        int n = 0;
        for (String s : after) {
            if (!before.contains(s)) {
                n++;
            }
        }
        return n;
    }
}
