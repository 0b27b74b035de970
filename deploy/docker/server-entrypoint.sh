#!/bin/sh
# Secrets arrive as files (Docker and Swarm secrets, Kubernetes volumes). The server reads the _FILE
# variants of its own secrets (config.ts); this gives every VAR_FILE to everything the image runs (the
# CLI, pg_dump and pg_restore among them) as VAR, with the file's content read as the server reads it:
# white space around it dropped, and a missing or empty file refused. Then it runs the command.
set -eu
for name in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*/\1/p'); do
  file="$(printenv "${name}_FILE")"
  if [ ! -r "$file" ] || [ -d "$file" ]; then
    echo "${name}_FILE: cannot read $file" >&2
    exit 1
  fi
  # The whole content trimmed at both ends, as String.prototype.trim does; $(...) drops the final newlines.
  value="$(cat "$file")"
  value="${value#"${value%%[![:space:]]*}"}"
  value="${value%"${value##*[![:space:]]}"}"
  if [ -z "$value" ]; then
    echo "${name}_FILE: $file is empty" >&2
    exit 1
  fi
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
