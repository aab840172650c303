#!/usr/bin/env python3
"""Gossip at scale on loopback: N nodes (default 100) that each know only 3 seeds, no bootstrap node.

Measures, at the default gossip settings:
  - convergence: seconds and gossip rounds until every node knows every other, beside the
    epidemic estimate log_f(N) + ln(N) for fanout f;
  - failure detection: SIGKILL K nodes (default 5); seconds until every survivor marks all K dead;
  - false alarms: live nodes ever seen dead (or suspect) by anyone during the whole run (--watch s);
  - gossip bytes per second per node (bodies sent and received, from /gossip/state).

  tests/bench/gossip-bench.py [--build build] [--nodes 100] [--kill 5] [--watch 60]
(make bench runs it.) Every node started is stopped at the end, also on errors.
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from ports import free_base  # beside this script


def get(port, path, timeout=5):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
        return json.load(answer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--kill", type=int, default=5)
    parser.add_argument("--watch", type=int, default=60)
    args = parser.parse_args()
    n = args.nodes
    binary = os.path.join(args.build, "bin", "p2p-node")
    work = tempfile.mkdtemp(prefix="p2p-gossip-bench.")
    base = free_base(n)
    ports = [base + k for k in range(n)]
    seeds = ",".join(f"http://127.0.0.1:{p}" for p in ports[:3])
    processes = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=8)
    try:
        started = time.time()
        for k, port in enumerate(ports):
            command = [binary, "-Dhttp.host=127.0.0.1", f"-Dhttp.port={port}", f"-Dnode.id=node{k + 1}",
                       f"-Dnode.data_dir={work}/node{k + 1}", "-Dplugins.load=gossip", "-Dhttp.access_log=false",
                       "-Dlogging.loggers.root.level=warning", "-Dhttp.max_threads=16"]
            if k > 0:
                command.append(f"-Dcluster.seeds={seeds}")
            log = open(f"{work}/node{k + 1}.log", "w")
            processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        alive = set(range(n))

        def state(k):
            try:
                return k, get(ports[k], "/gossip/state")
            except Exception:  # a node still starting, or killed
                return k, None

        def sweep():
            return dict(pool.map(state, sorted(alive)))

        # Convergence.
        deadline = time.time() + (120 if n > 50 else 40)
        while True:
            states = sweep()
            if all(s and sum(m["state"] == "alive" for m in s["members"]) == n - 1 for s in states.values()):
                break
            if time.time() > deadline:
                counts = sorted(sum(m["state"] == "alive" for m in s["members"]) if s else -1 for s in states.values())
                states_seen = {}
                for s in states.values():
                    for m in (s or {}).get("members", []):
                        states_seen[m["state"]] = states_seen.get(m["state"], 0) + 1
                sys.exit(f"gossip-bench: no convergence within 120 s; alive known per node: {counts[:5]} .. {counts[-5:]}, "
                         f"states seen: {states_seen}")
            time.sleep(0.2)
        converged = time.time() - started
        rounds = max(s["rounds"] for s in states.values())
        fanout = states[0]["fanout"]
        estimate = math.log(n, fanout) + math.log(n)
        print(f"{n} nodes, each started knowing 3 seeds, no bootstrap node; fanout {fanout}, "
              f"interval {states[0]['interval_ms']} ms")
        print(f"convergence: every node knows every other {converged:.1f} s after the first start, "
              f"at most {rounds} rounds on any node (all {n} processes started in {converged:.1f} s or less); "
              f"epidemic estimate log_{fanout}({n}) + ln({n}) = {estimate:.1f} rounds")

        # Steady-state traffic.
        before = sweep()
        t0 = time.time()
        time.sleep(5)
        after = sweep()
        elapsed = time.time() - t0
        per_node = [((after[k]["bytes_sent"] + after[k]["bytes_received"]) -
                     (before[k]["bytes_sent"] + before[k]["bytes_received"])) / elapsed
                    for k in alive if before.get(k) and after.get(k)]
        print(f"gossip traffic: {sum(per_node) / len(per_node) / 1024:.1f} KiB/s per node "
              f"(bodies sent and received; max {max(per_node) / 1024:.1f} KiB/s)")

        # Failure detection, and false alarms over the whole watch.
        victims = random.sample(range(3, n), args.kill)
        wrongly_dead, wrongly_suspect = set(), set()
        watch_start = time.time()
        for k in victims:
            processes[k].send_signal(signal.SIGKILL)
            alive.discard(k)
        killed_at = time.time()
        victim_ids = {f"node{k + 1}" for k in victims}
        detected = None
        while time.time() - watch_start < args.watch or detected is None:
            states = sweep()
            all_dead = True
            for k, s in states.items():
                if not s:
                    continue
                seen = {m["id"]: m["state"] for m in s["members"]}
                if any(seen.get(v) != "dead" for v in victim_ids):
                    all_dead = False
                for member_id, st in seen.items():
                    if member_id not in victim_ids and st == "dead":
                        wrongly_dead.add(member_id)
                    if member_id not in victim_ids and st == "suspect":
                        wrongly_suspect.add(member_id)
            if all_dead and detected is None:
                detected = time.time() - killed_at
            if time.time() - watch_start > max(args.watch, 120):
                break
            time.sleep(0.5)
        print(f"failure detection: {args.kill} nodes SIGKILLed; every survivor marked all of them dead "
              f"{detected:.1f} s later" if detected is not None else "failure detection: not all marked dead")
        print(f"false alarms over {time.time() - watch_start:.0f} s: {len(wrongly_dead)} live nodes ever seen dead, "
              f"{len(wrongly_suspect)} ever seen suspect (refuted)")
        return 0 if detected is not None and not wrongly_dead else 1
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        pool.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
