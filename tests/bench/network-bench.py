#!/usr/bin/env python3
"""A whole network on this machine, as `make run` starts it, and what it costs to keep.

Starts a bootstrap node and N nodes with `p2p-cluster up` and the shipped defaults (every
plugin), then measures:
  - formation: seconds until every node is registered and knows the N - 1 others (p2p-cluster's
    own wait), and the memory of all processes then (PSS, /proc/PID/smaps_rollup);
  - idle upkeep, --settle seconds after `up`, over --window seconds: CPU summed over every
    process (/proc/PID/stat), gossip bytes per node (the nodes' p2p_gossip_bytes_*_total
    counters count each gossip message once, at its sender, heads and bodies; a node's share
    sent plus received is twice the network's total over N), and all loopback traffic per node
    (/proc/net/dev, TCP/IP headers included) for scale;
  - a key written on one node and read on another;
  - failure detection: --kill random nodes SIGKILLed; seconds until every survivor holds all of
    them dead; and over --watch seconds, any live node ever seen suspect or dead by anyone;
  - `p2p-cluster down`: its time, and that no process or port is left.

  tests/bench/network-bench.py [--build build] [--nodes 100] [--kill 5] [--watch 120]
  tests/bench/network-bench.py --nodes 1000 --kill 10 --timeout 300     (by hand: minutes)
Prints one line per figure; exits 1 when a step fails. make bench runs the 100-node form.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from ports import free_base  # beside this script


def call(port, path, body=None, timeout=5):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                     headers={"Content-Type": "application/json"} if body else {})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.read()


def cluster_pids(directory):
    pids = {}
    with open(os.path.join(directory, "cluster.state")) as state:
        for line in state:
            fields = line.split()
            if len(fields) >= 3:
                pids[fields[0]] = (int(fields[1]), int(fields[2]))
    return pids


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def loopback_bytes():
    with open("/proc/net/dev") as dev:
        for line in dev:
            if line.strip().startswith("lo:"):
                return int(line.split(":", 1)[1].split()[0])  # received on lo = sent on lo
    return 0


def gossip_bytes(pool, ports):
    def one(port):
        try:
            text = call(port, "/metrics").decode()
        except Exception:
            return 0
        return sum(float(v) for v in re.findall(r"^p2p_gossip_bytes_(?:sent|received)_total (\S+)$", text, re.M))
    return sum(pool.map(one, ports))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--kill", type=int, default=5)
    parser.add_argument("--watch", type=int, default=120, help="seconds to watch for false suspicions after the kill")
    parser.add_argument("--settle", type=int, default=30, help="seconds after up before the idle window")
    parser.add_argument("--window", type=int, default=30, help="seconds of the idle window")
    parser.add_argument("--timeout", type=int, default=0, help="p2p-cluster up --timeout (default: 60, or 300 above 300 nodes)")
    args = parser.parse_args()
    n = args.nodes
    cluster = os.path.join(args.build, "bin", "p2p-cluster")
    work = tempfile.mkdtemp(prefix="p2p-network-bench.")
    base = free_base(n + 1)
    timeout = args.timeout or (300 if n > 300 else 60)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=8)
    failed = []
    up_done = False
    try:
        started = time.time()
        up = subprocess.run([cluster, "up", "--nodes", str(n), "--base-port", str(base), "--dir", work,
                             "--timeout", str(timeout)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        up_done = True
        formed = time.time() - started
        if up.returncode != 0:
            print(up.stdout[-3000:])
            return 1
        said = re.search(r"fully discovered in ([0-9.]+) s", up.stdout)
        pids = cluster_pids(work)
        node_ports = [port for name, (pid, port) in pids.items() if name != "bootstrap"]
        print(f"{n} nodes + bootstrap, every plugin (the shipped defaults), on 127.0.0.1:{base}..{base + n}")
        print(f"formation: every node registered and knowing the {n - 1} others in "
              f"{said.group(1) if said else f'{formed:.1f}'} s (p2p-cluster up, from the first process started)")
        print(f"memory then: {pss_kib(pid for pid, _ in pids.values()) / 1024 / 1024:.2f} GiB PSS over "
              f"{len(pids)} processes")

        # Idle upkeep.
        time.sleep(max(0, args.settle - (time.time() - started - formed)))
        all_pids = [pid for pid, _ in pids.values()]
        ticks = os.sysconf("SC_CLK_TCK")
        bytes_before = gossip_bytes(pool, node_ports)
        lo_before, cpu_before, t0 = loopback_bytes(), cpu_ticks(all_pids), time.time()
        time.sleep(args.window)
        lo_after, cpu_after, elapsed = loopback_bytes(), cpu_ticks(all_pids), time.time() - t0
        bytes_after = gossip_bytes(pool, node_ports)
        cores = (cpu_after - cpu_before) / ticks / elapsed
        per_node = 2 * (bytes_after - bytes_before) / n / elapsed
        print(f"idle upkeep {args.settle} s after up, over {elapsed:.0f} s: {cores:.3f} cores summed over all "
              f"{len(all_pids)} processes; gossip {per_node / 1024:.2f} KiB/s per node sent + received "
              f"(heads and bodies); all loopback traffic {2 * (lo_after - lo_before) / n / elapsed / 1024:.2f} KiB/s "
              f"per node (with TCP/IP headers and the bytes counted above)")
        print(f"memory after the window: {pss_kib(all_pids) / 1024 / 1024:.2f} GiB PSS")

        # One key, two nodes.
        writer, reader = random.sample(node_ports, 2)
        key = f"bench-{random.randint(0, 1 << 30)}"
        call(writer, "/kv", json.dumps({"key": key, "value": "across the ring"}).encode())
        value = json.loads(call(reader, f"/kv/{key}"))["value"]
        print(f"kv: written on :{writer}, read on :{reader}: {'ok' if value == 'across the ring' else 'WRONG: ' + value}")
        if value != "across the ring":
            failed.append("kv")

        # Failure detection and false alarms.
        victims = random.sample([name for name in pids if name != "bootstrap"], args.kill)
        for name in victims:
            os.kill(pids[name][0], signal.SIGKILL)
        killed_at = time.time()
        survivors = [pids[name][1] for name in pids if name != "bootstrap" and name not in victims]
        victim_set = set(victims)

        # Persistent connections and a sweep paced to the network's size: the watcher must
        # not be what loads the machine (990 fresh connections every 0.5 s did, at 1,000).
        connections = {}

        def grave(port):
            try:
                connection = connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connections[port] = connection
                connection.request("GET", "/members?state=suspect,dead")
                members = json.loads(connection.getresponse().read())["members"]
            except Exception:
                connections.pop(port, None)
                return port, None
            return port, {m["id"]: m["state"] for m in members}

        full_every = max(0.5, n / 500)
        detected, wrongly_dead, wrongly_suspect, last_missing = None, set(), set(), None
        pending, last_full = set(survivors), 0.0
        noticed = {}  # victim -> seconds until some survivor first held it suspect or dead
        settled = []  # seconds until each survivor held every victim dead
        while time.time() - killed_at < args.watch or detected is None:
            if time.time() - killed_at > max(args.watch, 120):
                break
            sweep_started = time.time()
            # Until detection, the survivors still missing a victim are asked every 0.5 s;
            # everyone, for false alarms, every full_every seconds.
            full = sweep_started - last_full >= full_every
            asked = survivors if full else sorted(pending)
            if full:
                last_full = sweep_started
            for port, seen in pool.map(grave, asked):
                if seen is None:
                    continue
                for victim in victim_set:
                    if victim in seen and victim not in noticed:
                        noticed[victim] = time.time() - killed_at
                if port in pending and all(seen.get(v) == "dead" for v in victim_set):
                    pending.discard(port)
                    settled.append(time.time() - killed_at)
                for member, state in seen.items():
                    if member not in victim_set:
                        (wrongly_dead if state == "dead" else wrongly_suspect).add(member)
            last_missing = len(pending)
            if not pending and detected is None:
                detected = time.time() - killed_at
            time.sleep(max(0.0, 0.5 - (time.time() - sweep_started)))
        for connection in connections.values():
            connection.close()
        if detected is None:
            failed.append("detection")
            print(f"failure detection: {args.kill} nodes SIGKILLed; {last_missing} survivors still did not hold "
                  f"all of them dead")
        else:
            print(f"failure detection: {args.kill} nodes SIGKILLed ({', '.join(sorted(victims))}); every one of the "
                  f"{len(survivors)} survivors held all of them dead {detected:.1f} s later")
            settled.sort()
            print(f"  each victim first seen suspect or dead after {min(noticed.values()):.1f}..{max(noticed.values()):.1f} s; "
                  f"survivors holding all dead: half by {settled[len(settled) // 2]:.1f} s, 90% by "
                  f"{settled[len(settled) * 9 // 10]:.1f} s, 99% by {settled[len(settled) * 99 // 100]:.1f} s")
        print(f"false alarms over {time.time() - killed_at:.0f} s after the kill: {len(wrongly_dead)} live nodes ever "
              f"seen dead, {len(wrongly_suspect)} ever seen suspect"
              + (f" ({', '.join(sorted(wrongly_dead | wrongly_suspect)[:10])})" if wrongly_dead or wrongly_suspect else ""))
        if wrongly_dead:
            failed.append("false deaths")
        return 1 if failed else 0
    finally:
        if up_done or os.path.exists(os.path.join(work, "cluster.state")):
            t0 = time.time()
            down = subprocess.run([cluster, "down", "--dir", work], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
            left = down.stdout.strip().splitlines()[-1] if down.stdout.strip() else ""
            print(f"down: {time.time() - t0:.1f} s, exit {down.returncode}: {left}")
        pool.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
