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
#   -XX:TrimNativeHeapInterval=5000   every 5 s the JVM hands the C heap's free memory back to the
#                      OS (glibc malloc_trim). The JIT compiler's arenas peak at ~25 MiB while a burst
#                      of logins gets compiled, and glibc keeps what they freed: without it the
#                      pooler's resident memory stays ~20 MiB above what it uses, for good. Trade: a
#                      trim of a few milliseconds every 5 s on a JVM thread of its own, during which
#                      other threads' malloc calls may wait (Netty's buffers do not use malloc's
#                      arenas). Only where the JVM knows the flag (17.0.9+, 21.0.1+, 22+; an older JVM
#                      would refuse to start): the launchers pass the version from the runtime's
#                      `release` file.
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

# The JAVA_VERSION of the JDK whose `release` file is $1 ("17.0.15"); fails when it has none.
pgrudder_java_version() {
    [ -r "${1:-}" ] || return 1
    while IFS= read -r pgrudder_line || [ -n "$pgrudder_line" ]; do
        case "$pgrudder_line" in
            JAVA_VERSION=*)
                pgrudder_line="${pgrudder_line#JAVA_VERSION=}"
                pgrudder_line="${pgrudder_line#\"}"
                printf '%s' "${pgrudder_line%\"}"
                return 0
                ;;
        esac
    done <"$1"
    return 1
}

# Whether a JVM of version $1 ("17.0.15", "21", "25.0.1") knows -XX:TrimNativeHeapInterval:
# 17.0.9 and later 17s, 21.0.1 and later 21s, and 22 on.
pgrudder_trims_native_heap() {
    pgrudder_major="${1%%.*}"
    case "$1" in
        *.*.*) pgrudder_update="${1#*.*.}"; pgrudder_update="${pgrudder_update%%[!0-9]*}" ;;
        *) pgrudder_update=0 ;;
    esac
    case "$pgrudder_major" in '' | *[!0-9]*) return 1 ;; esac
    case "$pgrudder_update" in '') pgrudder_update=0 ;; esac
    [ "$pgrudder_major" -ge 22 ] && return 0
    [ "$pgrudder_major" -eq 21 ] && [ "$pgrudder_update" -ge 1 ] && return 0
    [ "$pgrudder_major" -eq 17 ] && [ "$pgrudder_update" -ge 9 ] && return 0
    return 1
}

# Prints the default flags for the JAVA_OPTS given as $1, the memory limit in bytes given as $2
# (empty: none) and the Java version given as $3 (empty: not known, so no flag that needs one).
pgrudder_jvm_options() {
    pgrudder_opts="-XX:+ExitOnOutOfMemoryError -Xss512k -Dio.netty.leakDetection.level=disabled"
    if pgrudder_trims_native_heap "${3:-}"; then
        pgrudder_opts="$pgrudder_opts -XX:TrimNativeHeapInterval=5000"
    fi
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
