#!/bin/bash
# The seed's Docker workflow, for real (make test-container): the image
# builds, a bootstrap container and 100 node containers come up healthy on
# p2p_network with docker-compose, the seed's README session and its two
# client scripts pass against the mapped ports 5000..5100, every container
# runs as the unprivileged user, and everything goes down again.
#
# Installs what it needs with apt, starts dockerd when none answers (and
# stops it again, putting back the firewall rules, bridges and neighbour
# table limits it changed), and makes the base images offline when they are
# missing. Images and build layers stay cached for the next run.
# Skips (exit 0, saying why) where no Docker engine can run: not root, or
# dockerd does not start. Every other failure exits 1.
#
#   tests/container/run.sh [--nodes N]       (N = 100)
set -uo pipefail

nodes=100
[ "${1:-}" = --nodes ] && nodes=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
seed_clients=${SEED_CLIENTS:-$root/../shared/seed-clients}
project=p2p-container-test
image=p2p-node:latest
work=$(mktemp -d /tmp/p2p-container-test.XXXXXX)
started_dockerd=""
saved_sysctl=""
failures=0

say() { echo "container-test: $*"; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }
skip() { say "SKIPPED: $*"; exit 0; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The compose network's containers (docker ps arguments: -q, -aq, --filter ...).
containers() { docker ps --filter "label=com.docker.compose.project=$project" "$@"; }

# The seed README's session: upload on one port, download on another, a key
# written on one and read on another, a message; "what" names the failures.
seed_session() {
	local what=$1 upload=$2 download=$3 kv_write=$4 kv_read=$5 message=$6
	curl -s -m 10 -F "file=@$work/mydoc.txt" localhost:$upload/upload | grep -q '"status":"uploaded"' ||
		fail "$what: POST :$upload/upload"
	[ "$(curl -s -m 10 localhost:$download/download/mydoc.txt)" = "hello from the container test" ] ||
		fail "$what: GET :$download/download/mydoc.txt"
	curl -s -m 5 -X POST localhost:$kv_write/kv -H 'Content-Type: application/json' -d '{"key":"color","value":"blue"}' |
		grep -q '"status":"stored"' || fail "$what: POST :$kv_write/kv"
	curl -s -m 5 localhost:$kv_read/kv/color | grep -q '"value":"blue"' || fail "$what: GET :$kv_read/kv/color"
	curl -s -m 5 -X POST localhost:$message/message -H 'Content-Type: application/json' \
		-d '{"sender_id": "Node1", "message": "Hello Node2!"}' | grep -q 'received' || fail "$what: POST :$message/message"
}

cleanup() {
	if [ -f "$work/compose.yaml" ] && docker info >/dev/null 2>&1; then
		docker-compose -p "$project" -f "$work/compose.yaml" down -t 5 >/dev/null 2>&1
		docker rm -f "$project-node1" "$project-bootstrap" >/dev/null 2>&1
		docker network rm "$project-manual" >/dev/null 2>&1
		docker volume rm "$project-data" >/dev/null 2>&1
	fi
	if [ -n "$started_dockerd" ]; then
		kill "$started_dockerd" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.1; done
		# dockerd leaves its chains, a DROP policy on FORWARD and its bridges:
		# the namespace tests after this one need the machine as it was.
		for tool in iptables ip6tables; do
			for table in filter nat; do $tool -t $table -F 2>/dev/null; $tool -t $table -X 2>/dev/null; done
			for chain in INPUT FORWARD OUTPUT; do $tool -P $chain ACCEPT 2>/dev/null; done
			[ -s "$work/$tool" ] && $tool-restore <"$work/$tool" 2>/dev/null
		done
		for link in $(ip -o link show type bridge | awk -F': ' '{print $2}' | grep -E '^(docker0|br-[0-9a-f]{12})$'); do
			ip link delete "$link" 2>/dev/null
		done
	fi
	[ -n "$saved_sysctl" ] && sysctl -q -w $saved_sysctl >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root to install packages and run dockerd"

# What it needs, from Debian's archive.
missing=""
for p in docker.io docker-compose mmdebstrap python3-requests iptables; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >"$work/apt.log" 2>&1 ||
		{ cat "$work/apt.log"; fail "apt-get install$missing"; exit 1; }
fi
# Debian's client, which speaks the engine's API version.
[ -x /usr/bin/docker ] && export PATH=/usr/bin:$PATH

if ! docker info >/dev/null 2>&1; then
	iptables-save >"$work/iptables" 2>/dev/null
	ip6tables-save >"$work/ip6tables" 2>/dev/null
	say "starting dockerd"
	dockerd >"$work/dockerd.log" 2>&1 &
	started_dockerd=$!
	for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.2; done
	docker info >/dev/null 2>&1 || { tail -5 "$work/dockerd.log"; started_dockerd=""; skip "dockerd did not start (its log is above)"; }
fi

# Every container keeps an ARP entry for each of the others, and the kernel's
# neighbour table limits count the entries of all namespaces together: at
# the default 1,024, a hundred containers lose most datagrams between them.
needed=$(((nodes + 1) * (nodes + 1) * 2))
if [ "$(sysctl -n net.ipv4.neigh.default.gc_thresh3)" -lt "$needed" ]; then
	saved_sysctl=$(for k in gc_thresh1 gc_thresh2 gc_thresh3; do printf 'net.ipv4.neigh.default.%s=%s ' $k "$(sysctl -n net.ipv4.neigh.default.$k)"; done)
	sysctl -q -w net.ipv4.neigh.default.gc_thresh1=$((needed / 4)) net.ipv4.neigh.default.gc_thresh2=$((needed / 2)) \
		net.ipv4.neigh.default.gc_thresh3=$needed
	say "raised the neighbour table limit to $needed entries for this run"
fi

# The seed's clients use ports 5000..5002, and the compose file maps 5000..5000+N.
for port in $(seq 5000 $((5000 + nodes))); do
	if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then fail "port $port is in use; the seed's network needs 5000..$((5000 + nodes))"; exit 1; fi
done

t=$(now)
"$root/tests/container/base-images.sh" || { fail "making the base images"; exit 1; }
say "base images debian:12 and debian:12-slim ready in $(since "$t") s"

t=$(now)
DOCKER_BUILDKIT=0 docker build -q -f "$root/container/Dockerfile" -t "$image" "$root" >"$work/build.log" 2>&1 ||
	{ tail -30 "$work/build.log"; fail "docker build"; exit 1; }
size=$(docker image inspect -f '{{.Size}}' "$image")
say "docker build in $(since "$t") s (cached layers reused); image $image $((size / 1000000)) MB"

"$root/build/bin/p2p-cluster" compose --nodes "$nodes" --image "$image" >"$work/compose.yaml" ||
	{ fail "p2p-cluster compose"; exit 1; }
[ "$nodes" = 100 ] && ! diff -q "$work/compose.yaml" "$root/container/compose.yaml" >/dev/null &&
	fail "container/compose.yaml differs from p2p-cluster compose --nodes 100"

t=$(now)
"$root/container/up.sh" -p "$project" -f "$work/compose.yaml" >"$work/up.log" 2>&1 ||
	{ tail -20 "$work/up.log"; fail "container/up.sh (docker-compose up -d in batches)"; exit 1; }
up_seconds=$(since "$t")
healthy=0
for _ in $(seq 1 240); do
	healthy=$(containers --filter health=healthy -q | wc -l)
	[ "$healthy" -ge $((nodes + 1)) ] && break
	sleep 0.5
done
if [ "$healthy" -ge $((nodes + 1)) ]; then
	say "container/up.sh returned in $up_seconds s; all $((nodes + 1)) containers healthy $(since "$t") s after up"
else
	fail "only $healthy of $((nodes + 1)) containers healthy $(since "$t") s after up"
fi

# Every node knows the others before the clients run (the seed's scripts
# expect a formed network).
t=$(now)
for _ in $(seq 1 120); do
	peers=$(curl -s -m 2 localhost:5001/status | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"]["alive"])' 2>/dev/null)
	[ "${peers:-0}" -ge $((nodes - 1)) ] && break
	sleep 0.5
done
[ "${peers:-0}" -ge $((nodes - 1)) ] && say "node1 sees $peers alive members $(since "$t") s after all were healthy" ||
	fail "node1 sees ${peers:-0} of $((nodes - 1)) members alive"

# The seed README's session, through the mapped ports.
echo "hello from the container test" >"$work/mydoc.txt"
registered=$(curl -s -m 5 localhost:5000/peers | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["peers"]))' 2>/dev/null)
[ "${registered:-0}" -ge "$nodes" ] || fail "GET :5000/peers lists ${registered:-0} of $nodes nodes"
seed_session compose 5001 5002 5003 5050 5002
say "the seed README's session (peers, upload, download, kv, message) done"

# The seed's own client scripts, unchanged, from where they are kept.
if [ -d "$seed_clients" ]; then
	for script in test_main_endpoints.py test_gossip.py; do
		(cd "$seed_clients" && timeout 120 python3 "$script") >"$work/$script.log" 2>&1 &&
			say "seed client $script passed" || { tail -5 "$work/$script.log"; fail "seed client $script"; }
	done
else
	say "seed clients not found at $seed_clients (set SEED_CLIENTS): not run"
fi

# Every container runs as the unprivileged user, and is still running.
not_p2p=0
for id in $(containers -q); do
	uid=$(docker exec "$id" cat /proc/1/status | awk '/^Uid:/ {print $2}')
	[ "$uid" = 10001 ] || not_p2p=$((not_p2p + 1))
done
[ "$not_p2p" = 0 ] && say "every container's p2p-node runs as uid 10001 (p2p)" || fail "$not_p2p containers run p2p-node as another user"
restarted=$(containers -q | xargs docker inspect -f '{{.RestartCount}}' | awk '$1 > 0' | wc -l)
[ "$restarted" = 0 ] || fail "$restarted containers restarted"
memory=$(docker stats --no-stream --format '{{.MemUsage}}' $(containers -q) |
	awk '{ v = $1; if (v ~ /GiB$/) m = v * 1024; else if (v ~ /KiB$/) m = v / 1024; else m = v + 0; s += m } END { printf "%.0f", s }')
say "memory of the network: $memory MiB over $((nodes + 1)) containers (docker stats)"

# The seed's manual commands: a node started with docker run, a bootstrap node
# reachable, a named volume on its data directory, and the session through 5101.
docker network create "$project-manual" >/dev/null
docker run -d --name "$project-bootstrap" --network "$project-manual" -e P2P_PLUGINS_LOAD=bootstrap \
	-e P2P_NODE_ID=bootstrap -e P2P_NODE_ADVERTISE=http://$project-bootstrap:5000 "$image" >/dev/null
docker run -d --name "$project-node1" --network "$project-manual" -p $((5001 + nodes)):5000 \
	-v "$project-data:/var/lib/p2p-node/data" -e P2P_NODE_ADVERTISE=http://$project-node1:5000 \
	-e P2P_CLUSTER_BOOTSTRAP=http://$project-bootstrap:5000 "$image" >/dev/null
manual=$((5001 + nodes))
for _ in $(seq 1 60); do curl -s -m 1 localhost:$manual/status | grep -q '"registered":true' && break; sleep 0.5; done
before=$failures
seed_session "docker run" $manual $manual $manual $manual $manual
[ "$failures" = "$before" ] || docker logs "$project-node1" 2>&1 | tail -5
docker rm -f "$project-node1" "$project-bootstrap" >/dev/null
docker volume rm "$project-data" >/dev/null
docker network rm "$project-manual" >/dev/null
say "docker run -p $manual:5000 with a named data volume: upload, download, kv, message done"

t=$(now)
docker-compose -p "$project" -f "$work/compose.yaml" down -t 10 >"$work/down.log" 2>&1 || fail "docker-compose down"
left=$(containers -aq | wc -l)
[ "$left" = 0 ] || fail "$left containers left after down"
say "docker-compose down in $(since "$t") s; $left containers left"
rm -f "$work/compose.yaml"

if [ "$failures" -gt 0 ]; then
	say "$failures failures"
	exit 1
fi
say "passed"
