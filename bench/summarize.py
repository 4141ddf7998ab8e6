#!/usr/bin/env python3
"""bench/summarize.py NAME=OUT1,OUT2,... [NAME=...]: the mean and range of several bench/run
outputs per configuration, as markdown: per cell, PgBouncer's and pgrudder's tps, p99 and CPU
per transaction, and pgrudder's ratios to PgBouncer in the same runs; then idle memory, start-up
and the load average of each run. A difference is "beyond the noise" when the ranges of the runs
do not overlap."""
import collections
import os
import re
import statistics
import sys


def runs_of(arg):
    name, dirs = arg.split("=", 1)
    return name, [d for d in dirs.split(",") if d]


def results(out):
    cells = collections.defaultdict(dict)
    for line in open(os.path.join(out, "results.tsv")):
        f = line.rstrip("\n").split("\t")
        if len(f) < 10:
            continue
        target, workload, mode, clients = f[0], f[1], f[2], int(f[3])
        num = lambda v: None if v in ("-", "") else float(v)  # noqa: E731
        cells[(workload, mode, clients)][target] = dict(tps=num(f[4]), p99=num(f[6]), cpu=num(f[7]),
                                                        ok=f[8] == "0" and f[9] == "0")
    return cells


def fmt(values, digits):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    m = statistics.mean(values)
    if len(values) == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def report_line(out, pattern):
    text = open(os.path.join(out, "report.md")).read()
    m = re.search(pattern, text)
    return m.group(1) if m else "-"


configs = [runs_of(a) for a in sys.argv[1:]]
print("| config | cell | PgBouncer tps | pgrudder tps | tps ratio | PgBouncer p99 ms | pgrudder p99 ms | p99 ratio |"
      " PgBouncer CPU µs/txn | pgrudder CPU µs/txn | CPU ratio |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, outs in configs:
    per_run = [results(o) for o in outs]
    keys = sorted(set(k for r in per_run for k in r), key=lambda k: (k[0], k[1], k[2]))
    for key in keys:
        workload, mode, clients = key
        bkey = (workload, "extended" if mode == "prepared" else mode, clients)
        b = [r.get(bkey, {}).get("pgbouncer") for r in per_run]
        p = [r.get(key, {}).get("pgrudder") for r in per_run]
        pairs = [(x, y) for x, y in zip(b, p) if x and y]
        if not pairs:
            continue
        ratio = lambda k: [y[k] / x[k] for x, y in pairs if x[k] and y[k] is not None]  # noqa: E731
        failed = "" if all(y["ok"] for _, y in pairs) else " **(failures)**"
        label = ("TPC-B" if workload == "tpcb" else "-" + workload) + f" {mode} c{clients}" + (
            " (PgBouncer extended)" if mode == "prepared" else "")
        print(f"| {name} | {label}{failed} | {fmt([x['tps'] for x, _ in pairs], 0)} | {fmt([y['tps'] for _, y in pairs], 0)} "
              f"| {fmt(ratio('tps'), 2)} | {fmt([x['p99'] for x, _ in pairs], 1)} | {fmt([y['p99'] for _, y in pairs], 1)} "
              f"| {fmt(ratio('p99'), 2)} | {fmt([x['cpu'] * 1000 for x, _ in pairs], 1)} "
              f"| {fmt([y['cpu'] * 1000 for _, y in pairs], 1)} | {fmt(ratio('cpu'), 2)} |")
print()
print("| config | run | load at start / end | pgrudder answered first query (ms) | idle clients | PgBouncer KiB/client (delta / second half / total) | pgrudder KiB/client (delta / second half / total) |")
print("|---|---|---|---:|---:|---|---|")
for name, outs in configs:
    for out in outs:
        load = report_line(out, r"load average at start: ([^\n]*)")
        ready = report_line(out, r"answered its first query (\d+) ms")
        idle = {}
        for line in open(os.path.join(out, "idle.tsv")):
            f = line.split("\t")
            n = int(f[1])
            if n > 0:
                # Runs before the second half was measured have five fields.
                second = (int(f[3]) - int(f[5])) / int(f[6]) if len(f) >= 7 and int(f[6]) > 0 else None
                idle[f[0]] = (n, (int(f[3]) - int(f[2])) / n, int(f[3]) / n, second)
        cell = lambda t: (f"{idle[t][1]:.2f} / {'-' if idle[t][3] is None else f'{idle[t][3]:.2f}'} / {idle[t][2]:.2f}"  # noqa: E731
                          if t in idle else "-")
        n = idle.get("pgrudder", idle.get("pgbouncer", (0,)))[0]
        print(f"| {name} | {os.path.basename(out)} | {load} | {ready} | {n} | {cell('pgbouncer')} | {cell('pgrudder')} |")
