# bin/jvm-options.sh — the JVM flags both launchers put before $JAVA_OPTS: bin/pgrudder (a source
# checkout) and the image's bin/pgrudder (written by scripts/build-runtime, which copies this file
# next to it). Sourced, not run; POSIX sh with builtins only, so it works in any image that has a
# shell. A flag given again in JAVA_OPTS wins: the JVM takes the last of a repeated flag.
#
#   -XX:+UseSerialGC   no collector threads competing with the event loops for the cores, and the
#                      smallest collector footprint; a pooler's live heap is small (a few KiB per
#                      client), so its young collections take about a millisecond. Trade: a full
#                      collection of a large heap stops the pooler for longer than G1 would.
#   -Xmn24m            a fixed young generation: the heap the JVM touches for short-lived objects
#                      (and so its resident memory) stays the same however large the heap may grow.
#                      Trade: at very high rates young collections come more often (each is cheap).
#                      A collector chosen in JAVA_OPTS replaces SerialGC and its young size (the JVM
#                      refuses two collectors).
#   -XX:+ExitOnOutOfMemoryError   a pooler out of memory is half alive: exit, let the supervisor
#                      restart it.
#   -Xss512k           event-loop and helper threads need shallow stacks.
#   -Dio.netty.leakDetection.level=disabled   Netty's sampled leak tracking wraps every buffer
#                      and records stack traces; the tests run it at "paranoid" instead. Trade: a
#                      buffer leak in production shows as growing direct memory
#                      (pgrudder_netty_direct_memory_used_bytes), not as a log line; set
#                      JAVA_OPTS=-Dio.netty.leakDetection.level=simple to get the log line.
#   -Xlog:disable -Xlog:all=warning:stderr   the JVM's own warnings on stderr, not stdout: stdout
#                      carries only the pooler's log (with -F structured, one JSON object a line).
#   In a container with a memory limit (cgroup v2 memory.max or v1 memory.limit_in_bytes):
#   -XX:MaxRAMPercentage=40 -XX:MaxDirectMemorySize=<35 % of the limit>   heap and Netty's direct
#                      buffers (which follow MaxDirectMemorySize, and would otherwise be allowed
#                      as much as the heap) together at 75 %, leaving the rest for metaspace, code
#                      cache, thread stacks and the GC: at 512Mi, 204 MiB + 179 MiB, ~128 MiB left.
#                      The Helm chart computes the same two flags from resources.limits.memory and
#                      passes them in JAVA_OPTS. Without a limit the JVM's defaults stay (heap a
#                      quarter of the machine, direct memory as much as the heap).
#   -XX:TieredStopAtLevel is NOT set: the relay's hot path needs C2.

# The memory limit in bytes of this process's cgroup (or of the cgroup files given as arguments);
# fails when there is none.
pgrudder_memory_limit() {
    [ "$#" -gt 0 ] || set -- /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes
    for pgrudder_f in "$@"; do
        [ -r "$pgrudder_f" ] || continue
        IFS= read -r pgrudder_v <"$pgrudder_f" || continue
        case "$pgrudder_v" in
            '' | *[!0-9]*) continue ;;   # "max": no limit (cgroup v2)
        esac
        # cgroup v1 writes "no limit" as a page-rounded 2^63-1 (19 digits).
        [ "${#pgrudder_v}" -lt 19 ] || continue
        printf '%s' "$pgrudder_v"
        return 0
    done
    return 1
}

# Prints the default flags for the JAVA_OPTS given as $1 and the memory limit in bytes given as
# $2 (empty: none).
pgrudder_jvm_options() {
    pgrudder_opts="-XX:+ExitOnOutOfMemoryError -Xss512k -Dio.netty.leakDetection.level=disabled"
    pgrudder_opts="$pgrudder_opts -Xlog:disable -Xlog:all=warning:stderr"
    case "${1:-}" in
        *-XX:+Use*GC*) ;;
        *) pgrudder_opts="-XX:+UseSerialGC -Xmn24m $pgrudder_opts" ;;
    esac
    if [ -n "${2:-}" ]; then
        pgrudder_opts="$pgrudder_opts -XX:MaxRAMPercentage=40 -XX:MaxDirectMemorySize=$(($2 / 1048576 * 35 / 100))m"
    fi
    printf '%s' "$pgrudder_opts"
}
