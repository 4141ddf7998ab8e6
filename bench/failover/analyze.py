#!/usr/bin/env python3
"""Summarises bench/failover/run's logs.

Usage: analyze.py OUT_DIR
Reads OUT_DIR/events (one line per event:
  path event t0_ms t_end_ms old_leader new_leader first_write_on_new_leader_ms|-),
OUT_DIR/load-<path>.log (FailoverLoad), OUT_DIR/leaderwatch.log (leaderwatch.py),
OUT_DIR/pgrudder-<path>.log (pgrudder's own log, pgrudder paths only) and, when present,
OUT_DIR/rows (path client seq count, every row stored at the end).
"""
import collections
import datetime
import os
import sys

out_dir = sys.argv[1]


def named_at(watch, name, t0):
    """Earliest time at or after t0 that any node's /cluster names `name` leader."""
    times = [t for (t, host, leader, state) in watch if t >= t0 and leader == name]
    return min(times) if times else None


# pgrudder logs this when it sends a request to another server because the one it went to
# proved it ran none of it (ClientSessionHandler.runElsewhere): one line per request sent again.
REPLAY = "went away before answering"


def replays(path, t0, t_end):
    """Requests pgrudder sent again within [t0, t_end] (ms), from its log; None for other paths."""
    log = f"{out_dir}/pgrudder-{path}.log"
    if not os.path.exists(log):
        return None
    n = 0
    with open(log) as f:
        for line in f:
            if REPLAY not in line:
                continue
            at = datetime.datetime.fromisoformat(line.split(" ", 1)[0])
            if t0 <= at.timestamp() * 1000 <= t_end:
                n += 1
    return n


watch = []
with open(f"{out_dir}/leaderwatch.log") as f:
    for line in f:
        t, host, leader, state = line.split()
        watch.append((int(t), host, leader, state))

rows = []
with open(f"{out_dir}/events") as f:
    for line in f:
        path, event, t0, t_end, old, new, first = line.split()
        t0, t_end = int(t0), int(t_end)
        oks, per_client, errs, cerrs = [], collections.defaultdict(list), [], []
        with open(f"{out_dir}/load-{path}.log") as lf:
            for l in lf:
                parts = l.rstrip("\n").split(" ", 4)
                kind, t = parts[0], int(parts[1])
                if kind == "ok":
                    if t0 - 2000 <= t <= t_end:
                        oks.append(t)
                        per_client[parts[2]].append(t)
                elif t0 <= t <= t_end:
                    (errs if kind == "err" else cerrs).append(parts[3])

        def longest_gap(ts):
            ts = sorted(ts)
            return max((b - a for a, b in zip(ts, ts[1:])), default=None)

        outage = longest_gap(oks)
        client_gap = max((longest_gap(v) or 0 for v in per_client.values()), default=None)
        named = named_at(watch, new, t0)
        first_ms = None if first == "-" else int(first)
        delay = (first_ms - named) if (first_ms is not None and named is not None) else None
        rows.append(dict(path=path, event=event, old=old, new=new,
                         errors=len(errs), states=",".join(f"{k}×{v}" for k, v in collections.Counter(errs).items()) or "-",
                         cerrors=len(cerrs), outage=outage, client_gap=client_gap,
                         named=None if named is None else named - t0,
                         first=None if first_ms is None else first_ms - t0, delay=delay,
                         replays=replays(path, t0, t_end)))


def fmt(v):
    return "-" if v is None else str(v)


print("| path | event | leader | errors (SQLSTATE×n) | sent again by pgrudder | failed connects | write outage ms (all clients) | longest gap ms (one client) | Patroni names new leader (ms after event) | first write there (ms after event) | first write − named (ms) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['path']} | {r['event']} | {r['old']}→{r['new']} | {r['errors']} ({r['states']}) | {fmt(r['replays'])} | {r['cerrors']} | "
          f"{fmt(r['outage'])} | {fmt(r['client_gap'])} | {fmt(r['named'])} | {fmt(r['first'])} | {fmt(r['delay'])} |")


# Integrity over the whole run of each path: what the clients were told against what is stored.
try:
    stored = {}
    with open(f"{out_dir}/rows") as f:
        for line in f:
            path, client, seq, n = line.split()
            stored[(path, client, seq)] = int(n)
except FileNotFoundError:
    stored = None
if stored is not None:
    print()
    print("| path | acknowledged | stored rows | stored twice | acknowledged, missing | failed INSERTs (SQLSTATE×n) | failed but stored (outcome unknown to the client) |")
    print("|---|---|---|---|---|---|---|")
    for path in dict.fromkeys(r["path"] for r in rows):
        acked, failed, states = set(), set(), collections.Counter()
        with open(f"{out_dir}/load-{path}.log") as lf:
            for l in lf:
                parts = l.rstrip("\n").split(" ", 5)
                if parts[0] == "ok":
                    acked.add((path, parts[2], parts[3]))
                elif parts[0] == "err":
                    states[parts[3]] += 1
                    if len(parts) > 4 and parts[4].isdigit():
                        failed.add((path, parts[2], parts[4]))
        mine = {k: n for k, n in stored.items() if k[0] == path}
        twice = sum(1 for n in mine.values() if n > 1)
        missing = sum(1 for k in acked if k not in mine)
        failed_stored = sum(1 for k in failed if k in mine)
        print(f"| {path} | {len(acked)} | {sum(mine.values())} | {twice} | {missing} | "
              f"{sum(states.values())} ({','.join(f'{k}×{v}' for k, v in states.items()) or '-'}) | "
              f"{failed_stored} of {len(failed)} |")
