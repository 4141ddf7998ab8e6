#!/usr/bin/env python3
"""Summarise `jfr print --events jdk.ObjectAllocationSample --stack-depth 64 FILE` read on stdin.

JFR samples allocations and gives each sample a weight (the bytes it stands for), so sums of
weights estimate where the bytes went. Prints, as markdown tables, by estimated bytes:
  - the allocated classes,
  - the io.pgrudder frame nearest the allocation ("first pgrudder frame"),
  - the allocating frame with its class (the allocation site itself).
An optional second argument, the number of transactions in the profiled window, adds bytes per
transaction. Each thread's first sample is left out: its weight is everything the thread
allocated before the recording started (tens of MB on an event loop).
"""
import collections
import re
import sys

FRAME = re.compile(r"^\s+([\w$.<>/]+)\(.*\)\s+line:")
CLASS = re.compile(r"^\s+objectClass = (\S+)")
THREAD = re.compile(r'^\s+eventThread = "([^"]*)"')
WEIGHT = re.compile(r"^\s+weight = ([\d.,]+)\s*(bytes|byte|kB|MB|GB)")
UNITS = {"byte": 1, "bytes": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}
TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 15
TXNS = float(sys.argv[2]) if len(sys.argv) > 2 else 0


def main():
    by_class, by_own, by_site = collections.Counter(), collections.Counter(), collections.Counter()
    cls, weight, stack, thread = None, 0.0, None, None
    seen_threads = set()
    total = 0.0
    for line in sys.stdin:
        m = CLASS.match(line)
        if m:
            cls = m.group(1)
            continue
        m = WEIGHT.match(line)
        if m:
            weight = float(m.group(1).replace(",", "")) * UNITS[m.group(2)]
            continue
        m = THREAD.match(line)
        if m:
            thread = m.group(1)
            continue
        if "stackTrace = [" in line:
            stack = []
            continue
        if stack is not None:
            if line.strip().startswith("]"):
                if thread not in seen_threads:
                    seen_threads.add(thread)
                    weight = 0.0
                total += weight
                by_class[cls] += weight
                own = [f for f in stack if f.startswith("io.pgrudder.")]
                by_own[own[0] if own else "(no io.pgrudder frame)"] += weight
                by_site[f"{stack[0] if stack else '?'} ({cls})"] += weight
                cls, weight, stack = None, 0.0, None
            else:
                m = FRAME.match(line)
                if m:
                    stack.append(m.group(1))
    if total == 0:
        print("no jdk.ObjectAllocationSample events")
        return

    def table(title, counter):
        per_txn = " | bytes/txn" if TXNS else ""
        print(f"\n{title} (estimated {total / 1024 ** 2:.0f} MiB allocated)\n")
        print(f"| MiB | %{per_txn} | what |\n|---:|---:|{'---:|' if TXNS else ''}---|")
        for key, w in counter.most_common(TOP):
            extra = f" | {w / TXNS:.0f}" if TXNS else ""
            print(f"| {w / 1024 ** 2:.1f} | {100.0 * w / total:.1f}{extra} | `{key}` |")

    if TXNS:
        print(f"\nAbout {total / TXNS:.0f} bytes allocated per transaction ({TXNS:.0f} transactions).")
    table("Allocated classes", by_class)
    table("First io.pgrudder frame from the allocation", by_own)
    table("Allocation sites", by_site)


if __name__ == "__main__":
    main()
