#!/bin/sh
# Runs nginx on a config and reloads it whenever the addresses of its upstream hosts change.
#   nginx-follow.sh CONFIG HOST...
# nginx resolves an upstream's name once, when it loads its config; a replica recreated by compose or
# restarted by podman comes back with a new address, and nginx would go on sending requests to the old
# one. A reload re-resolves the names and lets the old workers finish their requests.
set -eu
config="$1"
shift

addresses() {
  for host in "$@"; do getent ahostsv4 "$host" | awk '{ print $1 }' | sort -u; done
}

nginx -c "$config" -g 'daemon off;' &
nginx=$!
# The container's stop signal goes to nginx, which finishes what it is serving, then this script ends.
trap 'kill -QUIT "$nginx" 2>/dev/null' QUIT TERM INT

known="$(addresses "$@")"
while kill -0 "$nginx" 2>/dev/null; do
  sleep "${FOLLOW_INTERVAL_SECONDS:-5}" &
  wait $! || true
  current="$(addresses "$@")"
  if [ -n "$current" ] && [ "$current" != "$known" ]; then
    echo "nginx-follow: upstream addresses changed, reloading" >&2
    nginx -c "$config" -s reload
    known="$current"
  fi
done
wait "$nginx"
