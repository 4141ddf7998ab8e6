#!/usr/bin/env python3
"""Polls /cluster on every node every 50 ms; logs each change of a node's answer.

Line format: <epoch_ms> <node-host> <leader-name or -> <leader-state or down>
Usage: leaderwatch.py OUT_FILE HOST...   (runs until killed)
"""
import json
import sys
import time
import urllib.request

out = open(sys.argv[1], "a", buffering=1)
hosts = sys.argv[2:]
last = {}
while True:
    for host in hosts:
        try:
            with urllib.request.urlopen(f"http://{host}:8008/cluster", timeout=0.3) as r:
                members = json.load(r).get("members", [])
            view = ("-", "none")
            for m in members:
                if m.get("role") in ("leader", "standby_leader"):
                    view = (m.get("name", "?"), m.get("state", "?"))
                    break
        except Exception:
            view = ("-", "down")
        if last.get(host) != view:
            last[host] = view
            out.write(f"{int(time.time() * 1000)} {host} {view[0]} {view[1]}\n")
    time.sleep(0.05)
