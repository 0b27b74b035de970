#!/bin/sh
# Secrets arrive as files (Docker and Swarm secrets, Kubernetes volumes); the server reads only its
# environment. For every VAR_FILE that is set, export VAR with the file's content, then run the command.
set -eu
for name in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*/\1/p'); do
  file="$(printenv "${name}_FILE")"
  value="$(cat "$file")"
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
