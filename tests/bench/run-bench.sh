#!/usr/bin/env bash
# Loopback HTTP benchmarks for p2p-node, each figure beside nginx measured
# in the same run on the same machine, so the ratio means something even on
# a busy or slow box.
#
#   tests/bench/run-bench.sh [BUILD_DIR]        (make bench runs this)
#
# Environment: DURATION (wrk -d, default 10s), THREADS (-t, 2),
# CONNECTIONS (-c, 64). Needs wrk and nginx (make deps installs both).
set -euo pipefail

BUILD_DIR=${1:-build}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
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

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "run-bench: no free port found" >&2; exit 1
}

# wait_for URL: poll until it answers, at most 10 s.
wait_for() {
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "run-bench: $1 did not come up" >&2; exit 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_node() { # start_node NAME PORT [PLUGINS] -> pid in NODE_PID
  "$NODE" --config config/node.properties -Dhttp.host=127.0.0.1 -Dhttp.port="$2" \
    -Dnode.data_dir="$WORK/$1" -Dplugins.load="${3:-messaging}" -Dhttp.access_log=false \
    -Dlogging.loggers.root.level=warning >"$WORK/$1.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  wait_for "http://127.0.0.1:$2/health"
}

# --- nginx serving a tiny static JSON file, 2 workers, no access log.
NGINX_PORT=$(free_port)
printf '{"status":"ok"}' > "$WORK/health.json"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK;
    location = /health { try_files /health.json =404; }
  }
}
CONF
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

# run NAME URL [wrk args...] -> "req/s p99"
run() {
  local name=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" > "$WORK/$name.wrk" 2>&1
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$WORK/$name.wrk" | tr '\n' ' ')
  [ -n "$errors" ] && echo "  note ($name): $errors" >&2
  echo "$rps $p99"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on 127.0.0.1, $(nproc) cores"
read -r NGINX_RPS NGINX_P99 <<<"$(run nginx "http://127.0.0.1:$NGINX_PORT/health")"
read -r HEALTH_RPS HEALTH_P99 <<<"$(run health "http://127.0.0.1:$NODE_PORT/health")"
read -r MSG_RPS MSG_P99 <<<"$(run message "http://127.0.0.1:$NODE_PORT/message" -s "$WORK/message.lua")"
LOADED_RSS=$(rss_kb "$LOADED_PID")

# --- kvstore (SQLite) on a one-node network: reading a local key.
KV_PORT=$(free_port)
start_node kv "$KV_PORT" kvstore
curl -fs -o /dev/null -X POST "http://127.0.0.1:$KV_PORT/kv" -H 'Content-Type: application/json' \
  -d '{"key": "color", "value": "blue"}'
read -r KV_RPS KV_P99 <<<"$(run kv-get "http://127.0.0.1:$KV_PORT/kv/color")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '\n%-28s %12s %10s %14s\n' "benchmark" "req/s" "p99" "ratio to nginx"
printf '%-28s %12s %10s %14s\n' "nginx static /health" "$NGINX_RPS" "$NGINX_P99" "1.00"
printf '%-28s %12s %10s %14s\n' "p2p-node GET /health" "$HEALTH_RPS" "$HEALTH_P99" "$(ratio "$HEALTH_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s\n' "p2p-node POST /message" "$MSG_RPS" "$MSG_P99" "$(ratio "$MSG_RPS" "$NGINX_RPS")"
printf '%-28s %12s %10s %14s\n' "kvstore GET /kv (local)" "$KV_RPS" "$KV_P99" "$(ratio "$KV_RPS" "$NGINX_RPS")"
printf '\n%-28s %9.1f MB\n' "RSS idle node (messaging)" "$(awk -v k="$IDLE_RSS" 'BEGIN {print k / 1024}')"
printf '%-28s %9.1f MB\n' "RSS after the load above" "$(awk -v k="$LOADED_RSS" 'BEGIN {print k / 1024}')"
