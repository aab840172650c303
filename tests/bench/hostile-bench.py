#!/usr/bin/env python3
"""Hostile clients against one node of a small network, all on loopback.

A bootstrap node and 3 nodes (p2p-cluster up, the shipped plugins). An attacker on 127.0.0.2
goes at node1 in two phases of --seconds each:
  - flood: holds as many idle connections as it can, up to --connections (default 5,000),
    opening new ones as the node closes them;
  - slow: --slow (default 500) heads sent a field a second, never ended, and as many bodies
    (PUT /kv, 1 MB declared) sent a byte a second, each started again when the node cuts it.
Meanwhile a client on 127.0.0.1 asks node1 for GET /health and GET /kv/{key} every 50 ms, each
on a connection of its own, and the two other nodes are asked every second whether they hold
node1 suspect or dead. Reported per phase: the client's answers (every one must be a 200),
p50/p99/max latency, connections the attacker held, node1's peak RSS, and whether any peer
ever suspected node1. Exits 1 when an answer failed or p99 reached 100 ms.

  tests/bench/hostile-bench.py [--build build] [--seconds 60] [--connections 5000] [--slow 500]
(make bench runs it.) Every process it starts is stopped at the end, also on errors.
"""
import argparse
import http.client
import json
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ports import free_base  # beside this script

ATTACKER = "127.0.0.2"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


class Attacker(threading.Thread):
    """Non-blocking sockets from ATTACKER to the target, kept at `want`, each fed by `feed`."""

    def __init__(self, port, want, kind, until):
        super().__init__(daemon=True)
        self.port, self.want, self.kind, self.until = port, want, kind, until
        self.selector = selectors.DefaultSelector()
        self.open = {}  # socket -> next time to send something
        self.fresh = set()  # connected, nothing sent yet
        self.held_max = 0
        self.opened = 0
        self.cut = 0

    def connect(self):
        s = socket.socket()
        s.setblocking(False)
        s.bind((ATTACKER, 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return False
        self.selector.register(s, selectors.EVENT_READ)
        self.open[s] = time.time()
        self.fresh.add(s)
        self.opened += 1
        return True

    def drop(self, s):
        self.selector.unregister(s)
        s.close()
        del self.open[s]
        self.fresh.discard(s)
        self.cut += 1

    def send(self, s, started):
        try:
            if self.kind == "head":
                s.send(b"GET /health HTTP/1.1\r\nHost: x\r\n" if started else b"X-Slow: 1\r\n")
            elif self.kind == "body":
                s.send(b"PUT /kv/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000000\r\n\r\n{" if started else b" ")
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.drop(s)

    def run(self):
        while time.time() < self.until:
            # New connections, at most 500 per 10 ms turn: the attacker must not be what
            # takes the machine's two cores.
            budget = 500
            while len(self.open) < self.want and budget > 0:
                budget -= 1
                if not self.connect():
                    break
            for key, _ in self.selector.select(timeout=0.01):
                s = key.fileobj
                try:
                    if not s.recv(65536):
                        self.drop(s)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self.drop(s)
            now = time.time()
            if self.kind != "idle":
                for s, due in list(self.open.items()):
                    if due <= now and s in self.open:
                        first = s in self.fresh
                        self.fresh.discard(s)
                        self.send(s, first)
                        if s in self.open:
                            self.open[s] = now + 1.0
            self.held_max = max(self.held_max, len(self.open))
        for s in list(self.open):
            self.selector.unregister(s)
            s.close()


def probe(port, path):
    """One GET on a connection of its own: (status, seconds)."""
    started = time.time()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
    except Exception:
        status = 0
    return status, time.time() - started


def suspected(port, target_id):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/members?state=suspect,dead")
        members = json.loads(connection.getresponse().read())["members"]
        connection.close()
        return any(m["id"] == target_id for m in members)
    except Exception:
        return False


def phase(name, args, ports, pid, key, attackers):
    target = ports[1]
    until = time.time() + args.seconds
    for a in attackers:
        a.until = until
        a.start()
    latencies, failures, answers = [], 0, 0
    peak_rss, ever_suspected, next_watch = 0, False, 0.0
    while time.time() < until:
        started = time.time()
        for path in ("/health", f"/kv/{key}"):
            status, seconds = probe(target, path)
            answers += 1
            latencies.append(seconds)
            if status != 200:
                failures += 1
        if started >= next_watch:
            next_watch = started + 1.0
            peak_rss = max(peak_rss, rss_kib(pid))
            ever_suspected = ever_suspected or any(suspected(p, "node1") for p in ports[2:])
        time.sleep(max(0.0, 0.05 - (time.time() - started)))
    for a in attackers:
        a.join()
    held = sum(a.held_max for a in attackers)
    opened = sum(a.opened for a in attackers)
    cut = sum(a.cut for a in attackers)
    p99 = percentile(latencies, 0.99) * 1000
    print(f"{name}: the attacker held up to {held} connections ({opened} opened, {cut} closed by the node)")
    print(f"  client from 127.0.0.1: {answers - failures} of {answers} answered 200; latency p50 "
          f"{percentile(latencies, 0.5) * 1000:.1f} ms, p99 {p99:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    print(f"  node1 peak RSS {peak_rss / 1024:.1f} MB; peers ever held node1 suspect or dead: "
          f"{'yes' if ever_suspected else 'no'}")
    return failures == 0 and p99 < 100 and not ever_suspected


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--slow", type=int, default=500)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.connections + 2 * args.slow + 256:
        sys.exit(f"hostile-bench: the descriptor limit ({hard}) is too low for {args.connections} connections")

    cluster = os.path.join(args.build, "bin", "p2p-cluster")
    work = tempfile.mkdtemp(prefix="p2p-hostile-bench.")
    base = free_base(4)
    ports = [base + k for k in range(4)]  # bootstrap, node1 (the target), node2, node3
    try:
        up = subprocess.run([cluster, "up", "--nodes", "3", "--base-port", str(base), "--dir", work,
                             "--define", "http.access_log=false", "--define", "logging.loggers.root.level=warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if up.returncode != 0:
            print(up.stdout[-3000:])
            return 1
        with open(os.path.join(work, "cluster.state")) as state:
            pid = next(int(f[1]) for f in (line.split() for line in state) if f and f[0] == "node1")
        key = "hostile-probe"
        connection = http.client.HTTPConnection("127.0.0.1", ports[1], timeout=5)
        connection.request("PUT", f"/kv/{key}", body='"here"', headers={"Content-Type": "application/json"})
        if connection.getresponse().status != 200:
            print("hostile-bench: could not write the probe key")
            return 1
        connection.close()
        print(f"one bootstrap node and 3 nodes on 127.0.0.1:{base}..{base + 3}; attacker on {ATTACKER}, "
              f"{args.seconds} s a phase; the client asks node1 every 50 ms, a connection per request")
        ok = phase(f"flood ({args.connections} idle connections wanted)", args, ports, pid, key,
                   [Attacker(ports[1], args.connections, "idle", 0)])
        ok = phase(f"slow ({args.slow} slowloris heads + {args.slow} slow bodies)", args, ports, pid, key,
                   [Attacker(ports[1], args.slow, "head", 0), Attacker(ports[1], args.slow, "body", 0)]) and ok
        return 0 if ok else 1
    finally:
        subprocess.run([cluster, "down", "--dir", work, "--grace", "5"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
