#!/bin/sh
# Secrets arrive as files (Docker and Swarm secrets, Kubernetes volumes). The server reads the _FILE
# variants of its own secrets (config.ts); this gives every VAR_FILE to everything the image runs (the
# CLI, pg_dump and pg_restore among them) as VAR, with the file's content, then runs the command.
set -eu
for name in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*/\1/p'); do
  file="$(printenv "${name}_FILE")"
  value="$(cat "$file")"
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
