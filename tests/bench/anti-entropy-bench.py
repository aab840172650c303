#!/usr/bin/env python3
"""What anti-entropy costs: bytes per pass between replicas in step, and after a node missed writes.

Starts a bootstrap node and --nodes nodes on loopback (p2p-cluster up, every plugin, an
anti-entropy pass every --interval seconds), writes --keys keys through every node with wrk
(tests/bench/kv-fill.lua), lets the writes beyond the quorum land, and then measures, from the
nodes' own counters (/metrics):
  - in step: over the next pass of every node, the bytes rebalancing moved
    (p2p_kvstore_rebalance_bytes_total: tree comparisons and copies, requests and answers,
    heads included), the copies sent and the leaves that differed, per pass of one node and
    for the whole network;
  - after a node missed writes: --missed keys it owns written to their two other owners only
    (as a quorum that went on without it would leave them); then the bytes of the next two
    passes of every node, per missed key, and how many of the keys it holds afterwards.
For the cost of the older full pass, which sent every key to every other owner, the script
also prints the copies a full pass makes here (keys x (N - 1) owners / nodes, per node) times
the bytes one copy takes in a batch: run it on an older build with --full-pass-reference to
measure that directly (p2p_kvstore_rebalance_copies_total there).

  tests/bench/anti-entropy-bench.py [--build build] [--nodes 10] [--keys 100000]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from ports import free_base  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))


def metrics(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        match = re.match(r"^(p2p_kvstore_[a-z_]+|p2p_gossip_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", line)
        if match and not match.group(2):
            values[match.group(1)] = float(match.group(3))
    return values


def total(ports, name):
    return sum(metrics(port).get(name, 0) for port in ports)


def wait_passes(ports, before, timeout):
    """Until every node ran at least one more pass than in `before`; the counters then."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = [metrics(port) for port in ports]
        if all(m.get("p2p_kvstore_rebalance_passes_total", 0) > b.get("p2p_kvstore_rebalance_passes_total", 0)
               for m, b in zip(now, before)):
            return now
        time.sleep(0.5)
    raise SystemExit("anti-entropy-bench: not every node ran a pass in time")


def two_passes(ports, interval):
    """The counters now, after every node's next pass, and after the one after."""
    before = [metrics(port) for port in ports]
    middle = wait_passes(ports, before, 4 * interval + 30)
    return before, middle, wait_passes(ports, middle, 4 * interval + 30)


def delta(after, before, name):
    return sum(a.get(name, 0) - b.get(name, 0) for a, b in zip(after, before))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--keys", type=int, default=100000)
    parser.add_argument("--missed", type=int, default=2000)
    parser.add_argument("--interval", type=int, default=15, help="seconds between anti-entropy passes")
    parser.add_argument("--fill-seconds", type=int, default=40)
    parser.add_argument("--full-pass-reference", action="store_true",
                        help="an older build: report the copies its full pass sends")
    args = parser.parse_args()

    cluster = os.path.join(args.build, "bin", "p2p-cluster")
    base = free_base(args.nodes + 1)
    ports = [base + k for k in range(1, args.nodes + 1)]
    directory = tempfile.mkdtemp(prefix="p2p-ae-bench-")
    try:
        up = subprocess.run([cluster, "up", "--nodes", str(args.nodes), "--base-port", str(base), "--dir", directory,
                             "--define", f"kvstore.anti_entropy_interval_ms={args.interval * 1000}"],
                            capture_output=True, text=True)
        if up.returncode != 0:
            raise SystemExit("anti-entropy-bench: p2p-cluster up failed:\n" + up.stdout + up.stderr)
        # Every node writes, so every node coordinates its share.
        fill = []
        for index, port in enumerate(ports[:2]):
            fill.append(subprocess.Popen(["wrk", "-t2", "-c16", f"-d{args.fill_seconds}s", "-s",
                                          os.path.join(HERE, "kv-fill.lua"), f"http://127.0.0.1:{port}", "--",
                                          str(args.keys), "ae-", "4", str(2 * index)], stdout=subprocess.PIPE, text=True))
        for process in fill:
            out, _ = process.communicate()
            requests = re.search(r"(\d+) requests in", out)
            print(f"fill: {requests.group(1) if requests else '?'} writes through one node")
        time.sleep(3)  # the writes beyond W land
        keys = total(ports, "p2p_kvstore_keys")
        print(f"copies held, over all nodes: {int(keys)} ({keys / args.keys:.2f} per key of the {args.keys} written)")

        # Two passes: the first may still carry what the fill left unreplicated.
        _, middle, after = two_passes(ports, args.interval)
        passes = delta(after, middle, "p2p_kvstore_rebalance_passes_total")
        moved = delta(after, middle, "p2p_kvstore_rebalance_bytes_total")
        copies = delta(after, middle, "p2p_kvstore_rebalance_copies_total")
        leaves = delta(after, middle, "p2p_kvstore_rebalance_differing_leaves_total")
        print(f"in step: {int(passes)} passes, {moved / passes / 1024:.1f} KiB per pass of one node "
              f"({moved / 1024:.1f} KiB for all), {copies / passes:.0f} copies and {leaves / passes:.1f} differing leaves per pass")
        if args.full_pass_reference:
            print(f"full-pass reference: {copies / passes:.0f} copies per pass of one node")
        # What one copy costs in a batch (POST /internal/kv), measured on the wire format.
        entry = {"key": f"ae-{args.keys - 1}", "value": json.dumps({"n": 10 * args.keys}), "timestamp": int(time.time() * 1e6),
                 "node": "node10", "deleted": False}
        per_copy = len(json.dumps(entry, separators=(",", ":"))) + 1
        full = keys / args.nodes * 2 * per_copy  # each key this node holds, to its two other owners
        print(f"a full pass (every key to its other owners) here: {keys / args.nodes * 2:.0f} copies of {per_copy} bytes "
              f"= {full / 1024:.0f} KiB per pass of one node; in step now {100 * moved / passes / full:.3f}% of it")

        # One node misses writes: --missed keys it owns are written to their other owners only (as
        # the replica writes of a quorum that went on without it), then the next passes repair it.
        victim = ports[4]
        victim_id = f"node{5}"
        missed = []
        n = 0
        while len(missed) < args.missed:
            key = f"missed-{n}"
            n += 1
            with urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/dht/locate/{key}?n=3", timeout=5) as answer:
                owners = json.loads(answer.read())["replicas"]
            if victim_id in [owner["id"] for owner in owners]:
                missed.append((key, [owner["url"] for owner in owners if owner["id"] != victim_id]))
        stamp = int(time.time() * 1e6)
        by_owner = {}
        for key, urls in missed:
            for url in urls:
                by_owner.setdefault(url, []).append({"key": key, "value": json.dumps({"missed": True}), "timestamp": stamp,
                                                     "node": "bench", "deleted": False})
        for url, entries in by_owner.items():
            for first in range(0, len(entries), 500):
                body = json.dumps({"entries": entries[first:first + 500]}).encode()
                request = urllib.request.Request(url + "/internal/kv", data=body, headers={"Content-Type": "application/json"})
                urllib.request.urlopen(request, timeout=30).read()
        before, _, after = two_passes(ports, args.interval)
        moved = delta(after, before, "p2p_kvstore_rebalance_bytes_total")
        copies = delta(after, before, "p2p_kvstore_rebalance_copies_total")
        leaves = delta(after, before, "p2p_kvstore_rebalance_differing_leaves_total")
        passes = delta(after, before, "p2p_kvstore_rebalance_passes_total")
        repaired = 0
        for key, _ in missed:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{victim}/internal/kv/{key}", timeout=5) as answer:
                    repaired += 1 if json.loads(answer.read())["node"] == "bench" else 0
            except OSError:
                pass
        print(f"after {victim_id} missed {args.missed} keys: {int(passes)} passes moved {moved / 1024:.1f} KiB "
              f"({moved / args.missed:.0f} bytes per missed key), {copies:.0f} copies sent, {leaves:.0f} leaves differed; "
              f"{repaired} of {args.missed} keys on {victim_id} afterwards")
    finally:
        subprocess.run([cluster, "down", "--dir", directory], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
