# scripts/loopback-block.sh — sourced by scripts/demo-patroni and bench/failover/run; the same
# rule as the tests' LoopbackBlock (pooler-patroni test jar): PGRUDDER_LOOPBACK_BLOCK is a prefix
# (127.0.1: etcd on 127.0.1.10, nodes on .11-.13) or a base address (127.0.1.20: etcd on .20,
# nodes on .21-.23) inside 127.0.0.0/8; unset means 127.0.0.10-13. Sets loopback_prefix and
# loopback_base, and defines etcd_host and host_of INDEX (0-based node index).

loopback_block() {
    local value="${PGRUDDER_LOOPBACK_BLOCK:-}" octet
    local -a o
    value="${value//[[:space:]]/}"
    if [[ -z "$value" ]]; then
        loopback_prefix=127.0.0 loopback_base=10
        return 0
    fi
    IFS=. read -ra o <<<"$value"
    if [[ "$value" != *. && ( ${#o[@]} -eq 3 || ${#o[@]} -eq 4 ) && "${o[0]}" == 127 ]]; then
        for octet in "${o[@]}"; do
            [[ "$octet" =~ ^[0-9]{1,3}$ ]] && (( 10#$octet <= 255 )) || octet=bad
            [[ "$octet" == bad ]] && break
        done
        if [[ "$octet" != bad ]]; then
            loopback_prefix="127.$((10#${o[1]})).$((10#${o[2]}))"
            loopback_base=10
            [[ ${#o[@]} -eq 4 ]] && loopback_base=$((10#${o[3]}))
            (( loopback_base >= 1 && loopback_base <= 250 )) && return 0
        fi
    fi
    printf 'error: PGRUDDER_LOOPBACK_BLOCK=%s is not a loopback block: give a prefix such as 127.0.1 (etcd on 127.0.1.10, nodes on .11-.13) or a base address such as 127.0.1.20, inside 127.0.0.0/8 with the base at most 250; unset means 127.0.0.10-13\n' "$value" >&2
    return 1
}

loopback_block || exit 1
etcd_host="$loopback_prefix.$loopback_base"
host_of() { printf '%s.%d' "$loopback_prefix" $((loopback_base + 1 + $1)); }
