#!/usr/bin/env bash
# Gives podman the Debian 12 base images that docker/Dockerfile starts FROM
# (debian:bookworm and debian:bookworm-slim) on a machine that cannot reach a
# registry: debootstraps a minbase root file system once, keeps it as a
# tarball in a cache directory, and imports that tarball under both names.
# The names are the fully qualified ones a short name resolves to
# (docker.io/library/debian:...), so the Dockerfile stays unchanged.
#
# Usage: scripts/podman-base-image.sh [PODMAN_GLOBAL_OPTION ...]
#   e.g. scripts/podman-base-image.sh --root /tmp/x/root --runroot /tmp/x/run
# Environment:
#   EVENTLOG_PODMAN_CACHE   cache directory (default /var/cache/eventlog-podman)
#   EVENTLOG_DEBIAN_MIRROR  Debian mirror (default: the host's, else deb.debian.org;
#                           the security suite comes from the host's debian-security)
#   EVENTLOG_BASE_MAX_DAYS  rebuild a cached tarball older than this (default 30)
# Needs root, debootstrap and podman.
set -euo pipefail

cache=${EVENTLOG_PODMAN_CACHE:-/var/cache/eventlog-podman}
max_days=${EVENTLOG_BASE_MAX_DAYS:-30}
arch=$(dpkg --print-architecture)
tarball="$cache/debian-bookworm-minbase-$arch.tar"

# The host's first URI ending in /$1 (deb822 or one-line sources), so that
# the image uses whatever mirror or proxy this machine is set up for.
host_uri() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.sources
    /etc/apt/sources.list.d/*.list)
  grep -hoE "(URIs:[[:space:]]*|^deb[[:space:]]+)https?://[^[:space:]]+/$1/?([[:space:]]|\$)" \
    "${files[@]}" 2>/dev/null | grep -oE 'https?://[^[:space:]]+' | head -n1 || true
}

build_tarball() {
  local mirror=${EVENTLOG_DEBIAN_MIRROR:-$(host_uri debian)}
  mirror=${mirror:-http://deb.debian.org/debian}
  mirror=${mirror%/}
  local security
  security=$(host_uri debian-security)
  security=${security:-http://deb.debian.org/debian-security}
  security=${security%/}
  local work
  work=$(mktemp -d "$cache/rootfs.XXXXXX")
  # shellcheck disable=SC2064  # expand $work now
  trap "rm -rf '$work'" RETURN
  echo "podman-base-image: debootstrap bookworm from $mirror (about a minute)" >&2
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    echo "podman-base-image: debootstrap failed" >&2
    return 1
  }
  # Like the official image: updates and security suites, no package caches.
  cat >"$work/rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* \
    "$work/rootfs/var/log/"*.log
  tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
  mv "$work/rootfs.tar" "$tarball"
}

mkdir -p "$cache"
# One builder at a time per cache; others wait and reuse its tarball.
exec 9>"$cache/.lock"
flock 9
if [[ ! -s "$tarball" ]] || [[ -n $(find "$tarball" -mtime +"$max_days") ]]; then
  build_tarball
fi
flock -u 9

image=$(podman "$@" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' "$tarball" docker.io/library/debian:bookworm-slim)
podman "$@" tag "$image" docker.io/library/debian:bookworm
echo "podman-base-image: debian:bookworm and debian:bookworm-slim from $tarball" >&2
