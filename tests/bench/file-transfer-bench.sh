#!/usr/bin/env bash
# A large file through the ring: uploaded (PUT) through a node that does not
# own it, downloaded through a third node. Prints MB/s both ways, whether
# the SHA-256 matches, and each node's peak RSS growth (VmHWM - VmRSS at start).
#
#   tests/bench/file-transfer-bench.sh [BUILD_DIR] [SIZE_MIB]     (default build, 1024)
set -euo pipefail
BUILD_DIR=${1:-build}
SIZE_MIB=${2:-1024}
WORK=$(mktemp -d /tmp/p2p-files.XXXXXX)
CLUSTER=$BUILD_DIR/bin/p2p-cluster
cleanup() { "$CLUSTER" down --dir "$WORK/net" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/file.bin"
for _ in 1 2 3 4 5; do
  BASE=$((10000 + RANDOM % 22000))
  "$CLUSTER" up --nodes 5 --base-port "$BASE" --dir "$WORK/net" --plugins dht-router,filestore \
    --define http.access_log=false --define "filestore.max_upload_bytes=$((SIZE_MIB * 1024 * 1024 + 1))" >/dev/null 2>&1 && break
done
OWNERS=$(curl -fs "http://127.0.0.1:$((BASE + 1))/dht/locate/file.bin?n=2" |
  python3 -c 'import json, sys; print(" ".join(r["id"][4:] for r in json.load(sys.stdin)["replicas"]))')
SENDER=""; READER=""
for k in 1 2 3 4 5; do
  case " $OWNERS " in *" $k "*) ;; *) if [ -z "$SENDER" ]; then SENDER=$k; elif [ -z "$READER" ]; then READER=$k; fi ;; esac
done
declare -A PID START
for k in 1 2 3 4 5; do
  PID[$k]=$(awk -v n="node$k" '$1 == n {print $2}' "$WORK/net/cluster.state")
  START[$k]=$(awk '/^VmRSS:/ {print $2}' "/proc/${PID[$k]}/status")
done
T0=$(date +%s.%N)
curl -fs -T "$WORK/file.bin" "http://127.0.0.1:$((BASE + SENDER))/files/file.bin" >/dev/null
T1=$(date +%s.%N)
curl -fs "http://127.0.0.1:$((BASE + READER))/files/file.bin" -o "$WORK/back.bin"
T2=$(date +%s.%N)
SENT=$(sha256sum < "$WORK/file.bin" | cut -d' ' -f1)
BACK=$(sha256sum < "$WORK/back.bin" | cut -d' ' -f1)
echo "$SIZE_MIB MiB, owners node${OWNERS// /, node}; up through node$SENDER, down through node$READER"
awk -v a="$T0" -v b="$T1" -v c="$T2" -v m="$SIZE_MIB" \
  'BEGIN { printf "upload %.0f MB/s (%.1f s: through the sender to the first owner, on its disk, copied to the second), download %.0f MB/s (%.1f s)\n", m * 1.048576 / (b - a), b - a, m * 1.048576 / (c - b), c - b }'
[ "$SENT" = "$BACK" ] && echo "SHA-256 equal ($SENT)" || { echo "SHA-256 differs: $SENT vs $BACK"; exit 1; }
for k in 1 2 3 4 5; do
  echo "node$k peak RSS growth $(( ($(awk '/^VmHWM:/ {print $2}' "/proc/${PID[$k]}/status") - START[$k]) / 1024 )) MB"
done
