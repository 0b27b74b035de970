#!/usr/bin/env bash
# Writes the secret files the production compose file mounts: random passwords, and the connection
# strings built from them so the two can never disagree. Existing files are kept.
#   deploy/compose/make-secrets.sh DIR   (default: deploy/compose/secrets)
set -euo pipefail
dir="${1:-$(dirname "$0")/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"

# Compose mounts each file into its container as is, where an unprivileged user must read it: the
# files are world-readable, the folder that holds them on the host is not.
write() { # name value
  [ -s "$dir/$1" ] && return
  (umask 022 && printf '%s' "$2" >"$dir/$1")
}

random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

write postgres_password "$(random)"
write redis_password "$(random)"
write database_url "postgres://fibstack:$(cat "$dir/postgres_password")@postgres:5432/fibstack"
write redis_url "redis://:$(cat "$dir/redis_password")@redis:6379"
# The task monitor's password (user admin): /admin and /api/admin answer 401 without it.
write admin_password "$(random)"
echo "secrets in $dir"
