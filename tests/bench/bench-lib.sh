# Helpers the loopback benchmarks share; sourced. They use WORK (a scratch
# directory), THREADS, CONNECTIONS and DURATION (wrk's -t, -c, -d), and for
# networks CLUSTER (p2p-cluster), HTTP_ENGINE and CLUSTER_DIRS (what
# stop_clusters stops).

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
HTTP_ENGINE=${HTTP_ENGINE:-loop}

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((10000 + RANDOM % 22000)) # below the ephemeral range, where TIME_WAIT sockets sit
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

# run NAME URL [wrk args...] -> "req/s p99"
run() {
  local name=$1 url=$2; shift 2
  wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"$DURATION" --latency "$@" "$url" > "$WORK/$name.wrk" 2>&1
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$WORK/$name.wrk" | tr '\n' ' ')
  [ -n "$errors" ] && echo "  note ($name): $errors" >&2
  echo "$rps $p99"
}


stop_clusters() {
  for dir in "${CLUSTER_DIRS[@]}"; do "$CLUSTER" down --dir "$dir" --grace 5 >/dev/null 2>&1 || true; done
}

# up_cluster NAME NODES [--define k=v ...] -> base port in CLUSTER_BASE
up_cluster() {
  local name=$1 nodes=$2; shift 2
  local dir=$WORK/$name
  CLUSTER_DIRS+=("$dir")
  for _ in 1 2 3 4 5; do
    CLUSTER_BASE=$((10000 + RANDOM % 22000))
    if "$CLUSTER" up --nodes "$nodes" --base-port "$CLUSTER_BASE" --dir "$dir" --plugins dht-router,kvstore \
         --define http.access_log=false --define http.engine="$HTTP_ENGINE" --define logging.loggers.root.level=warning "$@" \
         >"$WORK/$name.up" 2>&1; then
      return 0
    fi
    grep -q "already in use" "$WORK/$name.up" || { cat "$WORK/$name.up" >&2; exit 1; }
  done
  echo "run-bench: no free ports for $name" >&2; exit 1
}


# pid_on PORT: the process listening on 127.0.0.1:PORT.
pid_on() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

# cpu_ticks PID: user + system time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# us_per_request NAME TICKS: TICKS of CPU over the requests of wrk run NAME, in µs each.
us_per_request() {
  awk -v ticks="$2" -v hz="$(getconf CLK_TCK)" '/requests in/ {printf "%.1f", ticks * 1e6 / hz / $1}' "$WORK/$1.wrk"
}
