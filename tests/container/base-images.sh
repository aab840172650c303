#!/bin/sh
# Makes the base images the Dockerfile starts from, debian:12 and
# debian:12-slim, when they are missing and no registry can be reached:
# mmdebstrap builds Debian 12 (bookworm) from this machine's own apt
# sources and docker import tags it. The slim one leaves out the docs,
# man pages and locales, as Debian's own -slim images do. Nothing is
# made when the tag exists (DOCKER names the client, docker by default).
set -eu
DOCKER=${DOCKER:-docker}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
have() { [ -n "$($DOCKER images -q "$1" 2>/dev/null)" ]; }
make_image() {
	tag=$1
	shift
	have "$tag" && return 0
	echo "base-images: making $tag with mmdebstrap"
	# merged-usr by mmdebstrap's hook, not by the usrmerge package (which
	# brings perl); apt's caches and downloads dropped, as Debian's images do.
	mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--aptopt='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; }' \
		--aptopt='Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' \
		"$@" bookworm - 2>"$log" | $DOCKER import - "$tag" >/dev/null || { cat "$log" >&2; exit 1; }
}
make_image debian:12
make_image debian:12-slim \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
