#!/bin/sh
# Brings up the compose network (container/compose.yaml by default) the way
# Debian 12's docker-compose 1.29 can: the bootstrap service first, then the
# nodes in batches. Asked for 101 services at once, 1.29 stalls for good
# after a few dozen "Creating ..." lines (its thread pool; docker/compose
# issues 6705, 7486, 8161). With Compose v2 (`docker compose`), one
# `up -d` works as well.
#   container/up.sh [-f FILE] [-p PROJECT]      (FILE container/compose.yaml, PROJECT p2p)
#   BATCH=20 (services per call)
set -eu
file=container/compose.yaml
project=p2p
while [ $# -gt 0 ]; do
	case $1 in
	-f) file=$2; shift 2 ;;
	-p) project=$2; shift 2 ;;
	*) echo "usage: $0 [-f FILE] [-p PROJECT]" >&2; exit 2 ;;
	esac
done
if command -v docker-compose >/dev/null 2>&1; then compose=docker-compose; else compose="docker compose"; fi
$compose -p "$project" -f "$file" up -d bootstrap
$compose -p "$project" -f "$file" config --services | grep -vx bootstrap |
	xargs -n "${BATCH:-20}" $compose -p "$project" -f "$file" up -d --no-deps
