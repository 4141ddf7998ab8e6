#!/usr/bin/env python3
"""Summarise `jfr print --events jdk.ExecutionSample --stack-depth 64 FILE` read on stdin.

Prints, as markdown tables:
  - the top frames (where the CPU was when sampled, "self"),
  - the top io.pgrudder methods by inclusive samples (on the stack at all),
  - the top io.pgrudder frame nearest the top of each stack ("first pgrudder frame").
"""
import collections
import re
import sys

FRAME = re.compile(r"^\s+([\w$.<>/]+)\(.*\)\s+line:")
TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 15
SELF_ONLY = "--self-only" in sys.argv[2:]


def main():
    stacks, current = [], None
    for line in sys.stdin:
        if "stackTrace = [" in line:
            current = []
        elif current is not None:
            if line.strip().startswith("]"):
                stacks.append(current)
                current = None
            else:
                m = FRAME.match(line)
                if m:
                    current.append(m.group(1))
    total = len(stacks)
    if total == 0:
        print("no jdk.ExecutionSample events")
        return
    self_count = collections.Counter(s[0] for s in stacks if s)
    inclusive = collections.Counter()
    first_own = collections.Counter()
    for s in stacks:
        own = [f for f in s if f.startswith("io.pgrudder.")]
        inclusive.update(set(own))
        first_own[own[0] if own else "(no io.pgrudder frame)"] += 1

    def table(title, counter):
        print(f"\n{title} ({total} samples)\n")
        print("| samples | % | frame |\n|---:|---:|---|")
        for frame, c in counter.most_common(TOP):
            print(f"| {c} | {100.0 * c / total:.1f} | `{frame}` |")

    table("Top frames (self)", self_count)
    if SELF_ONLY:
        return
    table("io.pgrudder methods, inclusive", inclusive)
    table("First io.pgrudder frame from the top of the stack", first_own)


if __name__ == "__main__":
    main()
