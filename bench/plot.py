#!/usr/bin/env python3
"""bench/plot.py RESULTS.tsv OUT.svg [TITLE]: tps and pooler CPU per transaction by number of
clients, for direct, PgBouncer and pgrudder, one column per workload and query mode, from one
bench/run's results.tsv (target, workload, mode, clients, tps, p50, p99, cpu_s_per_1k, fails, rc)."""
import collections
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = collections.defaultdict(dict)  # (workload, mode) -> target -> [(clients, tps, cpu)]
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 8:
        continue
    target, workload, mode, clients, tps = f[0], f[1], f[2], int(f[3]), float(f[4])
    cpu = float(f[7]) if f[7] not in ("-", "") else None
    rows[(workload, mode)].setdefault(target, []).append((clients, tps, cpu))

cells = sorted(rows)
if not cells:
    sys.exit("no pgbench rows in " + sys.argv[1] + ": no chart")
fig, axes = plt.subplots(2, len(cells), figsize=(4.2 * len(cells), 7), squeeze=False)
style = {"direct": ("tab:gray", "direct"), "pgbouncer": ("tab:blue", "PgBouncer"), "pgrudder": ("tab:orange", "pgrudder")}
for col, cell in enumerate(cells):
    for target, points in sorted(rows[cell].items()):
        points.sort()
        color, label = style.get(target, ("black", target))
        xs = [p[0] for p in points]
        axes[0][col].plot(xs, [p[1] for p in points], marker="o", color=color, label=label)
        cpu = [(p[0], p[2]) for p in points if p[2] is not None]
        if cpu:
            axes[1][col].plot([c[0] for c in cpu], [c[1] * 1000 for c in cpu], marker="o", color=color, label=label)
    workload, mode = cell
    bouncer_ext = rows.get((workload, "extended"), {}).get("pgbouncer")
    if mode == "prepared" and bouncer_ext and "pgbouncer" not in rows[cell]:
        # PgBouncer 1.18 has no protocol-level prepared statements: its extended run is the comparison.
        pts = sorted(bouncer_ext)
        axes[0][col].plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ls="--", color="tab:blue",
                          label="PgBouncer (extended)")
        axes[1][col].plot([p[0] for p in pts if p[2] is not None], [p[2] * 1000 for p in pts if p[2] is not None],
                          marker="o", ls="--", color="tab:blue", label="PgBouncer (extended)")
        axes[0][col].legend()
    axes[0][col].set_title(f"-{workload} {mode}" if workload != "tpcb" else f"TPC-B {mode}")
    for row in (0, 1):
        axes[row][col].set_xscale("log")
        axes[row][col].set_xlabel("clients")
        axes[row][col].grid(True, alpha=0.3)
        axes[row][col].set_ylim(bottom=0)
    axes[0][col].set_ylabel("tps")
    axes[1][col].set_ylabel("pooler CPU µs per transaction")
axes[0][0].legend()
fig.suptitle(sys.argv[3] if len(sys.argv) > 3 else "bench/run")
fig.tight_layout()
fig.savefig(sys.argv[2])
