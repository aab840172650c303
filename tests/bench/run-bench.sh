#!/usr/bin/env bash
# Loopback HTTP benchmarks for p2p-node, each figure beside nginx measured
# in the same run on the same machine, so the ratio means something even on
# a busy or slow box.
#
#   tests/bench/run-bench.sh [BUILD_DIR]        (make bench runs this)
#
# Environment: DURATION (wrk -d, default 10s), THREADS (-t, 2),
# CONNECTIONS (-c, 64), HTTP_ENGINE (http.engine of every node: loop, the
# default, or threads, for an A/B). Needs wrk and nginx (make deps installs
# both).
set -euo pipefail

BUILD_DIR=${1:-build}
NODE=$BUILD_DIR/bin/p2p-node
NGINX=${NGINX:-/usr/sbin/nginx}

for tool in wrk "$NGINX" "$NODE"; do
  command -v "$tool" >/dev/null || { echo "run-bench: $tool not found (make deps; make build)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/p2p-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
. tests/bench/bench-lib.sh

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_node() { # start_node NAME PORT [PLUGINS] -> pid in NODE_PID
  "$NODE" --config config/node.properties -Dhttp.host=127.0.0.1 -Dhttp.port="$2" \
    -Dnode.data_dir="$WORK/$1" -Dplugins.load="${3:-messaging}" -Dhttp.access_log=false -Dhttp.engine="$HTTP_ENGINE" \
    -Dlogging.loggers.root.level=warning >"$WORK/$1.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  wait_for "http://127.0.0.1:$2/health"
}

# nginx_conf NAME HTTP_BLOCK: $WORK/NAME.conf, 2 workers, no access log.
nginx_conf() {
  cat > "$WORK/$1.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/$1.pid;
error_log $WORK/$1-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
$2
}
CONF
}

# --- nginx serving a tiny static JSON file.
NGINX_PORT=$(free_port)
printf '{"status":"ok"}' > "$WORK/health.json"
nginx_conf nginx "
  default_type application/json;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK;
    location = /health { try_files /health.json =404; }
  }"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" &
PIDS+=($!)
wait_for "http://127.0.0.1:$NGINX_PORT/health"

# --- an idle node: RSS right after start-up, before any load.
IDLE_PORT=$(free_port)
start_node idle "$IDLE_PORT"
sleep 1 # let start-up allocations settle; this is a reading, not a wait for state
IDLE_RSS=$(rss_kb "$NODE_PID")

# --- the node under load.
NODE_PORT=$(free_port)
start_node loaded "$NODE_PORT"
LOADED_PID=$NODE_PID

cat > "$WORK/message.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"sender_id": "Node1", "message": "Hello Node2!"}'
wrk.headers["Content-Type"] = "application/json"
LUA

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on 127.0.0.1, $(nproc) cores, http.engine=$HTTP_ENGINE"
read -r NGINX_RPS NGINX_P99 <<<"$(run nginx "http://127.0.0.1:$NGINX_PORT/health")"
read -r HEALTH_RPS HEALTH_P99 <<<"$(run health "http://127.0.0.1:$NODE_PORT/health")"
read -r MSG_RPS MSG_P99 <<<"$(run message "http://127.0.0.1:$NODE_PORT/message" -s "$WORK/message.lua")"
LOADED_RSS=$(rss_kb "$LOADED_PID")

# --- kvstore (SQLite) on a one-node network: reading a local key.
KV_PORT=$(free_port)
start_node kv "$KV_PORT" kvstore
curl -fs -o /dev/null -X POST "http://127.0.0.1:$KV_PORT/kv" -H 'Content-Type: application/json' \
  -d '{"key": "color", "value": "blue"}'
TICKS=$(cpu_ticks "$NODE_PID")
read -r KV_RPS KV_P99 <<<"$(run kv-get "http://127.0.0.1:$KV_PORT/kv/color")"
KV_CPU=$(us_per_request kv-get $(($(cpu_ticks "$NODE_PID") - TICKS)))

# --- filestore: a 1 MiB file, wrk -t1 -c8, beside nginx serving the same bytes.
head -c 1048576 /dev/urandom > "$WORK/big.bin"
FILE_PORT=$(free_port)
start_node files "$FILE_PORT" filestore
curl -fs -o /dev/null -T "$WORK/big.bin" "http://127.0.0.1:$FILE_PORT/files/big.bin"
read -r NGINX_FILE_RPS NGINX_FILE_P99 <<<"$(THREADS=1 CONNECTIONS=8 run nginx-file "http://127.0.0.1:$NGINX_PORT/big.bin")"
read -r FILE_RPS FILE_P99 <<<"$(THREADS=1 CONNECTIONS=8 run file "http://127.0.0.1:$FILE_PORT/files/big.bin")"

# --- networks of nodes started by p2p-cluster (stopped by cleanup).
CLUSTER=$BUILD_DIR/bin/p2p-cluster
CLUSTER_DIRS=()
trap 'stop_clusters; cleanup' EXIT

# --- kvstore GET through a node that must forward: two nodes, one copy of
# each key, the key owned by node2 and read through node1.
up_cluster fwd 2 --define kvstore.replicas=1 --define kvstore.write_quorum=1 --define kvstore.read_quorum=1
FWD1=$((CLUSTER_BASE + 1))
for i in $(seq 1 200); do
  FWD_KEY="probe-$i"
  curl -fs "http://127.0.0.1:$FWD1/dht/locate/$FWD_KEY" | grep -q '"responsible":{"id":"node2"' && break
done
curl -fs -o /dev/null -X PUT "http://127.0.0.1:$FWD1/kv/$FWD_KEY" -H 'Content-Type: application/json' -d '"blue"'
FWD_PID=$(pid_on "$FWD1")
TICKS=$(cpu_ticks "$FWD_PID")
read -r FWD_RPS FWD_P99 <<<"$(run kv-forwarded "http://127.0.0.1:$FWD1/kv/$FWD_KEY")"
FWD_CPU=$(us_per_request kv-forwarded $(($(cpu_ticks "$FWD_PID") - TICKS)))
# The same hop taken by nginx (proxy_pass over kept-alive connections to the
# owner, node2): what an event-driven relay gets out of this machine, the
# yardstick for node1's.
RELAY_PORT=$(free_port)
nginx_conf relay "
  upstream owner { server 127.0.0.1:$((CLUSTER_BASE + 2)); keepalive 64; }
  server {
    listen 127.0.0.1:$RELAY_PORT;
    location / { proxy_pass http://owner; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
"$NGINX" -c "$WORK/relay.conf" -p "$WORK" &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
wait_for "http://127.0.0.1:$RELAY_PORT/kv/$FWD_KEY"
read -r RELAY_RPS RELAY_P99 <<<"$(run kv-nginx-relay "http://127.0.0.1:$RELAY_PORT/kv/$FWD_KEY")"
kill "$RELAY_PID"
"$CLUSTER" down --dir "$WORK/fwd" >/dev/null

# --- replicated writes and reads, N=3 W=2 R=2, on ten nodes, all through
# node1 (so about 7 in 10 requests are forwarded), random keys.
up_cluster ten 10
TEN1=$((CLUSTER_BASE + 1))
cat > "$WORK/get.lua" <<'LUA'
request = function()
  return wrk.format("GET", "/kv/bench-" .. math.random(1, 1000))
end
LUA
preload() {
  for i in $(seq 1 1000); do
    [ "$i" -gt 1 ] && echo next
    printf 'url = "http://127.0.0.1:%s/kv/bench-%s"\nrequest = "PUT"\nheader = "Content-Type: application/json"\ndata = "0"\noutput = "/dev/null"\n' "$1" "$i"
  done > "$WORK/preload.curl"
  curl -fs -K "$WORK/preload.curl"
}
preload "$TEN1"
read -r PUT_RPS PUT_P99 <<<"$(run kv-put-replicated "http://127.0.0.1:$TEN1" -s tests/bench/kv-put.lua)"
read -r RGET_RPS RGET_P99 <<<"$(run kv-get-replicated "http://127.0.0.1:$TEN1" -s "$WORK/get.lua")"
"$CLUSTER" down --dir "$WORK/ten" >/dev/null

# --- the same writes with every node-to-node request signed (cluster.secret):
# what authentication costs.
up_cluster signed 10 --define "cluster.secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
SIGNED1=$((CLUSTER_BASE + 1))
preload "$SIGNED1"
read -r SIGNED_PUT_RPS SIGNED_PUT_P99 <<<"$(run kv-put-signed "http://127.0.0.1:$SIGNED1" -s tests/bench/kv-put.lua)"
"$CLUSTER" down --dir "$WORK/signed" >/dev/null

# --- no acknowledged write lost: 10,000 writes through random nodes of ten,
# two of them SIGKILLed during the writes.
up_cluster durable 10 --define bootstrap.lease_seconds=3 --define cluster.lease_renew_ms=500
DURABILITY_OK=yes
"$BUILD_DIR/bin/p2p-kv-durability" --dir "$WORK/durable" --keys 10000 --kill 2 > "$WORK/durability.out" 2>&1 || DURABILITY_OK=no
"$CLUSTER" down --dir "$WORK/durable" >/dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '\n%-28s %12s %10s %14s\n' "benchmark" "req/s" "p99" "ratio to nginx"
printf '%-28s %12s %10s %14s\n' "nginx static /health" "$NGINX_RPS" "$NGINX_P99" "1.00"
printf '%-28s %12s %10s %14s\n' "p2p-node GET /health" "$HEALTH_RPS" "$HEALTH_P99" "$(ratio "$HEALTH_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s\n' "p2p-node POST /message" "$MSG_RPS" "$MSG_P99" "$(ratio "$MSG_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s\n' "nginx 1 MiB file (-t1 -c8)" "$NGINX_FILE_RPS" "$NGINX_FILE_P99" "1.00"
printf '%-28s %12s %10s %14s\n' "filestore 1 MiB (-t1 -c8)" "$FILE_RPS" "$FILE_P99" "$(ratio "$FILE_RPS" "$NGINX_FILE_RPS")"
printf '%-28s %12s %10s %14s\n' "kvstore GET /kv (local)" "$KV_RPS" "$KV_P99" "$(ratio "$KV_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s   %s of local\n' "kvstore GET /kv (forwarded)" "$FWD_RPS" "$FWD_P99" "$(ratio "$FWD_RPS" "$NGINX_RPS")" "$(ratio "$FWD_RPS" "$KV_RPS")"
printf '%-28s %9s us %10s %14s   %s of local\n' "  CPU per request, local" "$KV_CPU" "" "" "1.00"
printf '%-28s %9s us %10s %14s   %s of local\n' "  CPU, the forwarding node" "$FWD_CPU" "" "" "$(ratio "$FWD_CPU" "$KV_CPU")"
printf '%-28s %12s %10s %14s   %s of local\n' "  same hop by nginx" "$RELAY_RPS" "$RELAY_P99" "$(ratio "$RELAY_RPS" "$NGINX_RPS")" "$(ratio "$RELAY_RPS" "$KV_RPS")"
printf '%-28s %12s %10s %14s\n' "kvstore PUT, 10 nodes N3 W2" "$PUT_RPS" "$PUT_P99" "$(ratio "$PUT_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s\n' "kvstore GET, 10 nodes N3 R2" "$RGET_RPS" "$RGET_P99" "$(ratio "$RGET_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s   %s of unsigned\n' "kvstore PUT, signed" "$SIGNED_PUT_RPS" "$SIGNED_PUT_P99" "$(ratio "$SIGNED_PUT_RPS" "$NGINX_RPS")" "$(ratio "$SIGNED_PUT_RPS" "$PUT_RPS")"
printf '\n%-28s %9.1f MB\n' "RSS idle node (messaging)" "$(awk -v k="$IDLE_RSS" 'BEGIN {print k / 1024}')"
printf '%-28s %9.1f MB\n' "RSS after the load above" "$(awk -v k="$LOADED_RSS" 'BEGIN {print k / 1024}')"
printf '\nDurability, 10 nodes, 2 SIGKILLed during 10,000 writes (p2p-kv-durability):\n'
sed 's/^/  /' "$WORK/durability.out"
[ "$DURABILITY_OK" = yes ] || { echo "run-bench: acknowledged writes were lost or unreadable" >&2; exit 1; }

# --- replicated writes on three nodes beside etcd on three members.
printf '\nReplication beside etcd (replication-bench.sh):\n'
bash tests/bench/replication-bench.sh "$BUILD_DIR" | sed 's/^/  /'

# --- a 1 GiB file up through a node that does not own it, down through a third.
printf '\nFiles through the ring (file-transfer-bench.sh):\n'
bash tests/bench/file-transfer-bench.sh "$BUILD_DIR" 1024 | sed 's/^/  /'

# --- anti-entropy: 10 nodes with 100,000 keys in step, then a node that missed 2,000.
printf '\nAnti-entropy (anti-entropy-bench.py):\n'
python3 tests/bench/anti-entropy-bench.py --build "$BUILD_DIR" | sed 's/^/  /'

# --- gossip: 100 nodes from 3 seeds, 5 SIGKILLed, 60 s watched for false alarms.
printf '\nGossip (gossip-bench.py):\n'
python3 tests/bench/gossip-bench.py --build "$BUILD_DIR" --nodes 100 --kill 5 --watch 60 | sed 's/^/  /'

# --- the network make run starts, at rest: 100 default nodes, idle CPU and gossip
# bytes, 5 SIGKILLed, 120 s watched for false suspicions, down. (The same at 1,000
# nodes, by hand: tests/bench/network-bench.py --nodes 1000 --kill 10 --timeout 300.)
printf '\nA network at rest (network-bench.py):\n'
python3 tests/bench/network-bench.py --build "$BUILD_DIR" --nodes 100 --kill 5 --watch 120 | sed 's/^/  /'

# --- hostile clients: a connection flood, then slowloris heads and slow bodies, from
# 127.0.0.2 against one node, while a client on 127.0.0.1 must get every answer.
printf '\nHostile clients (hostile-bench.py):\n'
python3 tests/bench/hostile-bench.py --build "$BUILD_DIR" --seconds 60 | sed 's/^/  /'

# --- the ring at 1,000 nodes: balance, memory, keys moved.
printf '\nThe ring at 1,000 nodes (p2p-ring-balance):\n'
"$BUILD_DIR/bin/p2p-ring-balance" 1000 | sed 's/^/  /'
