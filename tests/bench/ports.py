"""Free loopback ports for the benchmarks that start whole networks."""
import os
import random
import socket
import sys


def free_base(count):
    """A base port with count free ports from it (base .. base + count - 1), below the ephemeral range."""
    for _ in range(100):
        base = random.randint(10000, 32000 - count)
        ok = True
        for port in range(base, base + count):
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    sys.exit(f"{os.path.basename(sys.argv[0])}: no free range of {count} ports")
