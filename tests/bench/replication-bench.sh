#!/usr/bin/env bash
# Replicated writes on three nodes beside etcd on three members, same
# machine, same run, same load: wrk PUTs of random keys (1,000 of them)
# through one node, N=3 W=2 for p2p-node at kvstore.sync=normal and
# kvstore.sync=full (an fsync per commit, as etcd's WAL does), and etcd's
# v3 JSON gateway (/v3/kv/put) on its leader.
#
#   tests/bench/replication-bench.sh [BUILD_DIR]   (run-bench.sh runs it)
#
# Environment as run-bench.sh's. etcd comes from Debian's etcd-server
# (make bench installs it); without it the etcd line says so.
set -euo pipefail

BUILD_DIR=${1:-build}
CLUSTER=$BUILD_DIR/bin/p2p-cluster
ETCD=${ETCD:-/usr/bin/etcd}

WORK=$(mktemp -d /tmp/p2p-replication.XXXXXX)
PIDS=()
CLUSTER_DIRS=()
. tests/bench/bench-lib.sh
cleanup() {
  stop_clusters
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT


# p2p_put NAME SYNC -> "req/s p99", on a fresh three-node network.
p2p_put() {
  up_cluster "$1" 3 --define kvstore.sync="$2"
  local first=$((CLUSTER_BASE + 1))
  run "$1" "http://127.0.0.1:$first" -s tests/bench/kv-put.lua
  "$CLUSTER" down --dir "$WORK/$1" >/dev/null
}

read -r NORMAL_RPS NORMAL_P99 <<<"$(p2p_put p2p-normal normal)"
read -r FULL_RPS FULL_P99 <<<"$(p2p_put p2p-full full)"

ETCD_RPS=n/a ETCD_P99="(no $ETCD)"
if [ -x "$ETCD" ]; then
  ETCD_VERSION=$("$ETCD" --version | awk '/etcd Version/ {print $3}')
  members=() clients=() peers=()
  for i in 1 2 3; do clients+=("$(free_port)"); peers+=("$(free_port)"); done
  initial=""
  for i in 0 1 2; do initial+="${initial:+,}e$i=http://127.0.0.1:${peers[$i]}"; done
  for i in 0 1 2; do
    "$ETCD" --name "e$i" --data-dir "$WORK/etcd-$i" \
      --listen-client-urls "http://127.0.0.1:${clients[$i]}" --advertise-client-urls "http://127.0.0.1:${clients[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${peers[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peers[$i]}" \
      --initial-cluster "$initial" --initial-cluster-state new --logger zap --log-level error >"$WORK/etcd-$i.log" 2>&1 &
    PIDS+=($!)
    members+=("http://127.0.0.1:${clients[$i]}")
  done
  # Its leader, once elected: a client of etcd's is sent there, and so is this one.
  leader=""
  for _ in $(seq 1 200); do
    for url in "${members[@]}"; do
      status=$(curl -fs -X POST "$url/v3/maintenance/status" -d '{}' 2>/dev/null || true)
      id=$(sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p' <<<"$status")
      lead=$(sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p' <<<"$status")
      if [ -n "$id" ] && [ "$id" = "$lead" ]; then leader=$url; break 2; fi
    done
    sleep 0.05
  done
  [ -n "$leader" ] || { echo "replication-bench: etcd elected no leader" >&2; exit 1; }
  cat > "$WORK/etcd.lua" <<'LUA'
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  return ((s:gsub(".", function(c)
    local bits, byte = "", c:byte()
    for i = 8, 1, -1 do bits = bits .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(bits)
    if #bits < 6 then return "" end
    local n = 0
    for i = 1, 6 do n = n + (bits:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return alphabet:sub(n + 1, n + 1)
  end) .. ({"", "==", "="})[#s % 3 + 1])
end
local keys = {}
for i = 1, 1000 do keys[i] = base64("bench-" .. i) end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/v3/kv/put", {["Content-Type"] = "application/json"},
                    '{"key": "' .. keys[math.random(1, 1000)] .. '", "value": "' .. base64('{"n": ' .. counter .. '}') .. '"}')
end
LUA
  read -r ETCD_RPS ETCD_P99 <<<"$(run etcd "$leader" -s "$WORK/etcd.lua")"
  ETCD_NAME="etcd $ETCD_VERSION, 3 members"
fi

printf '%-36s %12s %10s\n' "replicated PUT, 3 nodes, random keys" "req/s" "p99"
printf '%-36s %12s %10s\n' "p2p-node N3 W2, kvstore.sync=normal" "$NORMAL_RPS" "$NORMAL_P99"
printf '%-36s %12s %10s\n' "p2p-node N3 W2, kvstore.sync=full" "$FULL_RPS" "$FULL_P99"
printf '%-36s %12s %10s\n' "${ETCD_NAME:-etcd}" "$ETCD_RPS" "$ETCD_P99"
